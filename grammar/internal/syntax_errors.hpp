// The wording of every syntax error: one table mapping grammar rules to the
// message shown when that rule was required and did not match.
//
// Internal to the grammar folder: included only by parser.cpp, whose Control
// reads `error_message<Rule>` when a must<> fails. A rule that can be required
// but has no entry here is a compile error (see parser.cpp), so no PEGTL rule
// name ever reaches a user. Constant data; thread-safe.
#pragma once

#include <string_view>

#include "grammar/internal/grammar.hpp"

namespace tenet::grammar {

template <typename Rule>
inline constexpr std::string_view error_message{};

#define TENET_SYNTAX_ERROR(rule, text) \
  template <>                          \
  inline constexpr std::string_view error_message<rule> = text

// lexical
TENET_SYNTAX_ERROR(unterminated_comment, "unterminated comment: '/*' has no matching '*/'");
TENET_SYNTAX_ERROR(
    string_rest, "expected '\"' to close the string literal (a string ends on the line it starts)");

// annotations
TENET_SYNTAX_ERROR(annotation_name, "expected an annotation name after '@'");
TENET_SYNTAX_ERROR(annotation_value,
                   "expected a string literal in the annotation, as in @id(\"owner-reads\")");
TENET_SYNTAX_ERROR(annotation_close, "expected ')' to close the annotation");

// expressions
TENET_SYNTAX_ERROR(attribute_dot<kw_principal>, "expected '.' or 'has' after 'principal'");
TENET_SYNTAX_ERROR(attribute_dot<kw_resource>, "expected '.' or 'has' after 'resource'");
TENET_SYNTAX_ERROR(attribute_dot<kw_context>, "expected '.' or 'has' after 'context'");
TENET_SYNTAX_ERROR(attribute_name<kw_principal>, "expected an attribute name after 'principal.'");
TENET_SYNTAX_ERROR(attribute_name<kw_resource>, "expected an attribute name after 'resource.'");
TENET_SYNTAX_ERROR(attribute_name<kw_context>, "expected an attribute name after 'context.'");
TENET_SYNTAX_ERROR(has_name<kw_principal>, "expected an attribute name after 'has'");
TENET_SYNTAX_ERROR(has_name<kw_resource>, "expected an attribute name after 'has'");
TENET_SYNTAX_ERROR(has_name<kw_context>, "expected an attribute name after 'has'");
TENET_SYNTAX_ERROR(no_chain,
                   "comparisons do not chain: combine them with 'and' or 'or', or use parentheses");
TENET_SYNTAX_ERROR(enabled_open, "expected '(' after 'enabled'");
TENET_SYNTAX_ERROR(enabled_feature, "expected a feature name after 'enabled('");
TENET_SYNTAX_ERROR(enabled_close, "expected ')' after the feature name of 'enabled('");
TENET_SYNTAX_ERROR(list_more,
                   "expected a literal value after ',' (lists hold strings, integers or booleans)");
TENET_SYNTAX_ERROR(list_close,
                   "expected ']' to close the list (lists hold strings, integers or booleans)");
TENET_SYNTAX_ERROR(paren_expression, "expected an expression after '('");
TENET_SYNTAX_ERROR(paren_close, "expected ')' to close the parenthesis");
TENET_SYNTAX_ERROR(comparison_rhs, "expected a value after the comparison operator");
TENET_SYNTAX_ERROR(negated, "expected an expression after the negation ('!' or 'not')");
TENET_SYNTAX_ERROR(and_rhs, "expected an expression after 'and'");
TENET_SYNTAX_ERROR(or_rhs, "expected an expression after 'or'");

// clauses
TENET_SYNTAX_ERROR(for_roles, "expected a role name after 'for'");
TENET_SYNTAX_ERROR(next_name<for_roles>, "expected a role name after ','");
TENET_SYNTAX_ERROR(by_roles, "expected a role name after 'by'");
TENET_SYNTAX_ERROR(next_name<by_roles>, "expected a role name after ','");
TENET_SYNTAX_ERROR(when_expression, "expected an expression after 'when'");
TENET_SYNTAX_ERROR(unless_expression, "expected an expression after 'unless'");
TENET_SYNTAX_ERROR(requires_feature_kw, "expected 'feature' after 'requires'");
TENET_SYNTAX_ERROR(required_features, "expected a feature name after 'requires feature'");
TENET_SYNTAX_ERROR(next_name<required_features>, "expected a feature name after ','");

// actions declarations (schema and bodies)
TENET_SYNTAX_ERROR(declared_actions, "expected an action name after 'actions'");
TENET_SYNTAX_ERROR(next_name<declared_actions>, "expected an action name after ','");
TENET_SYNTAX_ERROR(actions_on, "expected 'on' after the declared actions");
TENET_SYNTAX_ERROR(actions_types, "expected a resource type after 'on'");
TENET_SYNTAX_ERROR(next_name<actions_types>, "expected a resource type after ','");
TENET_SYNTAX_ERROR(actions_end, "expected ';' after the actions declaration");

// tenant bodies
TENET_SYNTAX_ERROR(role_name, "expected a role name after 'role'");
TENET_SYNTAX_ERROR(role_parents, "expected a role name after 'extends'");
TENET_SYNTAX_ERROR(next_name<role_parents>, "expected a role name after ','");
TENET_SYNTAX_ERROR(role_end, "expected ';' after the role declaration");
TENET_SYNTAX_ERROR(transition_from, "expected a role name after 'transition'");
TENET_SYNTAX_ERROR(transition_arrow, "expected '->' after the role the transition starts from");
TENET_SYNTAX_ERROR(transition_to, "expected a role name after '->'");
TENET_SYNTAX_ERROR(transition_end, "expected ';' after the transition");
TENET_SYNTAX_ERROR(feature_name, "expected a feature name after 'feature'");
TENET_SYNTAX_ERROR(feature_switch, "expected 'on' or 'off' after the feature name");
TENET_SYNTAX_ERROR(feature_end, "expected ';' after the feature declaration");
TENET_SYNTAX_ERROR(plan_name, "expected a plan name after 'plan'");
TENET_SYNTAX_ERROR(plan_open, "expected '{' after the plan name");
TENET_SYNTAX_ERROR(plan_clause_expected,
                   "expected 'for', 'when', 'requires feature' or '}' in the plan body");
TENET_SYNTAX_ERROR(plan_clause_end, "expected ';' after the plan clause");
TENET_SYNTAX_ERROR(plan_close, "expected '}' to close the plan body");
TENET_SYNTAX_ERROR(lifecycle_type, "expected a resource type after 'lifecycle'");
TENET_SYNTAX_ERROR(lifecycle_open, "expected '{' after the resource type of the lifecycle");
TENET_SYNTAX_ERROR(state_names, "expected a state name after 'states'");
TENET_SYNTAX_ERROR(next_name<state_names>, "expected a state name after ','");
TENET_SYNTAX_ERROR(states_end, "expected ';' after the states");
TENET_SYNTAX_ERROR(initial_state, "expected a state name after 'initial'");
TENET_SYNTAX_ERROR(initial_end, "expected ';' after the initial state");
TENET_SYNTAX_ERROR(next_name<edge_from>, "expected a state name after ','");
TENET_SYNTAX_ERROR(edge_arrow, "expected '->' after the state the lifecycle edge starts from");
TENET_SYNTAX_ERROR(edge_to, "expected a state name after '->'");
TENET_SYNTAX_ERROR(edge_end, "expected ';' after the lifecycle edge");
TENET_SYNTAX_ERROR(
    lifecycle_item_expected,
    "expected 'states', 'initial', an edge 'FROM -> TO' or '}' in the lifecycle body");
TENET_SYNTAX_ERROR(lifecycle_close, "expected '}' to close the lifecycle body");
TENET_SYNTAX_ERROR(next_name<rule_actions>, "expected an action name after ','");
TENET_SYNTAX_ERROR(next_name<rule_types>, "expected a resource type after ','");
TENET_SYNTAX_ERROR(rule_action_part<kw_permit>, "expected an action name or '*' after 'permit'");
TENET_SYNTAX_ERROR(rule_action_part<kw_forbid>, "expected an action name or '*' after 'forbid'");
TENET_SYNTAX_ERROR(rule_on<kw_permit>, "expected 'on' after the actions of the permit rule");
TENET_SYNTAX_ERROR(rule_on<kw_forbid>, "expected 'on' after the actions of the forbid rule");
TENET_SYNTAX_ERROR(rule_type_part<kw_permit>, "expected a resource type or '*' after 'on'");
TENET_SYNTAX_ERROR(rule_type_part<kw_forbid>, "expected a resource type or '*' after 'on'");
TENET_SYNTAX_ERROR(rule_end<kw_permit>, "expected ';' after the permit rule");
TENET_SYNTAX_ERROR(rule_end<kw_forbid>, "expected ';' after the forbid rule");
TENET_SYNTAX_ERROR(
    body_statement_expected<kw_tenant>,
    "expected actions, role, transition, feature, plan, lifecycle, permit, forbid or '}' to "
    "close the "
    "tenant body");
TENET_SYNTAX_ERROR(
    body_statement_expected<kw_template>,
    "expected actions, role, transition, feature, plan, lifecycle, permit, forbid or '}' to "
    "close the "
    "template body");
TENET_SYNTAX_ERROR(body<kw_tenant>, "expected '{' to open the tenant body");
TENET_SYNTAX_ERROR(body<kw_template>, "expected '{' to open the template body");
TENET_SYNTAX_ERROR(body_close<kw_tenant>, "expected '}' to close the tenant body");
TENET_SYNTAX_ERROR(body_close<kw_template>, "expected '}' to close the template body");

// tenants and templates
TENET_SYNTAX_ERROR(tenant_name, "expected a tenant name after 'tenant'");
TENET_SYNTAX_ERROR(template_name, "expected a template name after 'template'");
TENET_SYNTAX_ERROR(extends_templates, "expected a template name after 'extends'");
TENET_SYNTAX_ERROR(next_name<extends_templates>, "expected a template name after ','");

// schema
TENET_SYNTAX_ERROR(set_open, "expected '<' after 'set'");
TENET_SYNTAX_ERROR(set_element, "expected 'string' or 'int' in 'set<...>'");
TENET_SYNTAX_ERROR(set_close, "expected '>' to close 'set<'");
TENET_SYNTAX_ERROR(enum_more, "expected a string literal after '|'");
TENET_SYNTAX_ERROR(attribute_colon, "expected ':' after the attribute name");
TENET_SYNTAX_ERROR(
    attribute_type,
    "expected a type after ':' (bool, int, string, set<string>, set<int> or \"a\" | \"b\")");
TENET_SYNTAX_ERROR(attribute_end, "expected ';' after the attribute declaration");
TENET_SYNTAX_ERROR(attribute_expected, "expected an attribute declaration 'name: type;' or '}'");
TENET_SYNTAX_ERROR(attribute_block<kw_principal>, "expected '{' after 'principal'");
TENET_SYNTAX_ERROR(attribute_block<kw_context>, "expected '{' after 'context'");
TENET_SYNTAX_ERROR(attribute_block<kw_resource>, "expected '{' after the resource type name");
TENET_SYNTAX_ERROR(attributes_close<kw_principal>,
                   "expected '}' to close the principal attributes");
TENET_SYNTAX_ERROR(attributes_close<kw_context>, "expected '}' to close the context attributes");
TENET_SYNTAX_ERROR(attributes_close<kw_resource>, "expected '}' to close the resource attributes");
TENET_SYNTAX_ERROR(resource_type_name, "expected a resource type name after 'resource'");
TENET_SYNTAX_ERROR(schema_item_expected,
                   "expected 'principal', 'resource', 'context', 'actions' or '}' in the schema");
TENET_SYNTAX_ERROR(schema_open, "expected '{' after 'schema'");
TENET_SYNTAX_ERROR(schema_close, "expected '}' to close the schema");

// test blocks
TENET_SYNTAX_ERROR(value_list_more, "expected a value after ','");
TENET_SYNTAX_ERROR(value_list_close, "expected ']' to close the list");
TENET_SYNTAX_ERROR(field_colon, "expected ':' after the field name");
TENET_SYNTAX_ERROR(
    field_value,
    "expected a value after ':' (a string, an integer, true, false, a name or a list)");
TENET_SYNTAX_ERROR(field_more, "expected a field 'name: value' after ','");
TENET_SYNTAX_ERROR(object_close, "expected ',' or '}' in the object");
TENET_SYNTAX_ERROR(step_end, "expected ';' after the test step");
TENET_SYNTAX_ERROR(test_tenant_name, "expected a tenant name after 'tenant'");
TENET_SYNTAX_ERROR(principal_object,
                   "expected '{' and the principal's attributes after 'principal'");
TENET_SYNTAX_ERROR(context_object, "expected '{' and the context's attributes after 'context'");
TENET_SYNTAX_ERROR(expect_name_list, "expected '[' and a list of names");
TENET_SYNTAX_ERROR(next_name<expect_names>, "expected a name after ','");
TENET_SYNTAX_ERROR(expect_names_close, "expected ']' to close the list of names");
TENET_SYNTAX_ERROR(expect_target_role, "expected a role name after 'transition'");
TENET_SYNTAX_ERROR(expect_type, "expected a resource type");
TENET_SYNTAX_ERROR(expect_object,
                   "expected '{' and the resource's attributes after the resource type");
TENET_SYNTAX_ERROR(expect_to, "expected 'to' and the target state after the resource");
TENET_SYNTAX_ERROR(expect_target_state, "expected a state name after 'to'");
TENET_SYNTAX_ERROR(expect_target_plan, "expected a plan name after 'subscribe'");
TENET_SYNTAX_ERROR(expect_form_expected,
                   "expected 'ACTION on TYPE {...}', 'transition ROLE', 'subscribe PLAN' or "
                   "'lifecycle TYPE {...} to STATE' after allow/deny");
TENET_SYNTAX_ERROR(expect_form,
                   "expected 'ACTION on TYPE {...}', 'transition ROLE', 'subscribe PLAN' or "
                   "'lifecycle TYPE {...} to STATE' after allow/deny");
TENET_SYNTAX_ERROR(expect_what_expected,
                   "expected 'allow', 'deny', 'plans' or 'features' after 'expect'");
TENET_SYNTAX_ERROR(expect_what, "expected 'allow', 'deny', 'plans' or 'features' after 'expect'");
TENET_SYNTAX_ERROR(test_step_expected,
                   "expected 'tenant', 'principal', 'context', 'expect' or '}' in the test");
TENET_SYNTAX_ERROR(test_name, "expected a test name after 'test'");
TENET_SYNTAX_ERROR(test_open, "expected '{' after the test name");
TENET_SYNTAX_ERROR(test_close, "expected '}' to close the test");

// top level
TENET_SYNTAX_ERROR(declaration_expected,
                   "expected a declaration: schema, template, tenant or test");

#undef TENET_SYNTAX_ERROR

}  // namespace tenet::grammar
