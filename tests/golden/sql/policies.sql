-- PostgreSQL row-level security written by `tenet sql` from policies.
-- Enforces what `check` decides for read (SELECT), write (UPDATE), create (INSERT)
-- and delete (DELETE). Apply as the owner of the tables; re-running replaces the
-- policies named tenet_* on these tables, and only those. See docs/DATABASE.md.
BEGIN;

DROP FUNCTION IF EXISTS tenet_set_principal(text, text, text, jsonb);
CREATE OR REPLACE FUNCTION tenet_set_principal(tenant text, principal_id text,
    principal_role text, attrs json DEFAULT '{}'::json)
  RETURNS void LANGUAGE plpgsql VOLATILE AS $tenet$
DECLARE v json;
BEGIN
  IF attrs IS NULL OR json_typeof(attrs) = 'null' THEN attrs := '{}'; END IF;
  IF json_typeof(attrs) <> 'object' THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE =
      'tenet_set_principal: principal.attrs: expected an object, got ' || json_typeof(attrs);
  END IF;
  IF EXISTS (SELECT FROM json_object_keys(attrs) k GROUP BY k HAVING count(*) > 1) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE =
      'tenet_set_principal: principal.attrs: a key is given twice';
  END IF;
  PERFORM set_config('tenet.tenant', coalesce(tenant, ''), true);
  PERFORM set_config('tenet.principal.id', coalesce(principal_id, ''), true);
  PERFORM set_config('tenet.principal.role', coalesce(principal_role, ''), true);
  v := attrs -> 'kyc';
  IF json_typeof(v) = 'null' THEN v := NULL; END IF;
  IF v IS NOT NULL AND NOT coalesce(((json_typeof(v) = 'string' AND (v #>> '{}') IN ('none', 'pending', 'verified'))), FALSE) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE =
      'tenet_set_principal: principal.attrs.kyc: expected one of "none" | "pending" | "verified", got ' || v::text;
  END IF;
  PERFORM set_config('tenet.principal.kyc', coalesce(v::jsonb::text, ''), true);
  v := attrs -> 'account_age_days';
  IF json_typeof(v) = 'null' THEN v := NULL; END IF;
  IF v IS NOT NULL AND NOT coalesce(((json_typeof(v) = 'number' AND CASE WHEN v::text ~ '^-?(0|[1-9][0-9]*)$' THEN v::text::numeric BETWEEN -9223372036854775808 AND 9223372036854775807 ELSE FALSE END)), FALSE) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE =
      'tenet_set_principal: principal.attrs.account_age_days: expected int, got ' || v::text;
  END IF;
  PERFORM set_config('tenet.principal.account_age_days', coalesce(v::jsonb::text, ''), true);
  v := attrs -> 'company_verified';
  IF json_typeof(v) = 'null' THEN v := NULL; END IF;
  IF v IS NOT NULL AND NOT coalesce((json_typeof(v) = 'boolean'), FALSE) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE =
      'tenet_set_principal: principal.attrs.company_verified: expected bool, got ' || v::text;
  END IF;
  PERFORM set_config('tenet.principal.company_verified', coalesce(v::jsonb::text, ''), true);
  v := attrs -> 'company_id';
  IF json_typeof(v) = 'null' THEN v := NULL; END IF;
  IF v IS NOT NULL AND NOT coalesce((json_typeof(v) = 'string'), FALSE) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE =
      'tenet_set_principal: principal.attrs.company_id: expected string, got ' || v::text;
  END IF;
  PERFORM set_config('tenet.principal.company_id', coalesce(v::jsonb::text, ''), true);
  v := attrs -> 'country';
  IF json_typeof(v) = 'null' THEN v := NULL; END IF;
  IF v IS NOT NULL AND NOT coalesce((json_typeof(v) = 'string'), FALSE) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE =
      'tenet_set_principal: principal.attrs.country: expected string, got ' || v::text;
  END IF;
  PERFORM set_config('tenet.principal.country', coalesce(v::jsonb::text, ''), true);
  v := attrs -> 'tags';
  IF json_typeof(v) = 'null' THEN v := NULL; END IF;
  IF v IS NOT NULL AND NOT coalesce((CASE WHEN json_typeof(v) = 'array' THEN NOT EXISTS (SELECT FROM json_array_elements(v) e WHERE NOT json_typeof(e) = 'string') ELSE FALSE END), FALSE) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE =
      'tenet_set_principal: principal.attrs.tags: expected set<string>, got ' || v::text;
  END IF;
  PERFORM set_config('tenet.principal.tags', coalesce(v::jsonb::text, ''), true);
  v := attrs -> 'national_id';
  IF json_typeof(v) = 'null' THEN v := NULL; END IF;
  IF v IS NOT NULL AND NOT coalesce((json_typeof(v) = 'string'), FALSE) THEN
    RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE =
      'tenet_set_principal: principal.attrs.national_id: expected string, got ' || v::text;
  END IF;
  PERFORM set_config('tenet.principal.national_id', coalesce(v::jsonb::text, ''), true);
END
$tenet$;

-- Drop the policies an earlier run made, and only those.
DO $tenet$
DECLARE p record;
BEGIN
  FOR p IN SELECT pol.polname, pol.polrelid::regclass AS tab FROM pg_policy pol
           WHERE pol.polrelid IN (to_regclass('"documents"'), to_regclass('"accounts"'), to_regclass('"subscriptions"'))
             AND starts_with(pol.polname, 'tenet_')
           ORDER BY 2, 1
  LOOP
    EXECUTE format('DROP POLICY %I ON %s', p.polname, p.tab);
  END LOOP;
END
$tenet$;

-- Resource type 'document' in table "documents".
ALTER TABLE "documents" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "documents" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenet_isolation ON "documents" AS RESTRICTIVE FOR ALL
  USING ("provider_id" = NULLIF(current_setting('tenet.tenant', true), '') AND "provider_id" COLLATE "C" = NULLIF(current_setting('tenet.tenant', true), ''))
  WITH CHECK ("provider_id" = NULLIF(current_setting('tenet.tenant', true), '') AND "provider_id" COLLATE "C" = NULLIF(current_setting('tenet.tenant', true), ''));
CREATE POLICY tenet_valid ON "documents" AS RESTRICTIVE FOR ALL
  USING ((NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL)
    AND (NULLIF(current_setting('tenet.principal.kyc', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.kyc', true), '')::jsonb) = 'string' AND (NULLIF(current_setting('tenet.principal.kyc', true), '')::jsonb #>> '{}') IN ('none', 'pending', 'verified')))
    AND (NULLIF(current_setting('tenet.principal.account_age_days', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.account_age_days', true), '')::jsonb) = 'number' AND NULLIF(current_setting('tenet.principal.account_age_days', true), '') ~ '^-?[0-9]+$'))
    AND (NULLIF(current_setting('tenet.principal.company_verified', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb) = 'boolean'))
    AND (NULLIF(current_setting('tenet.principal.company_id', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) = 'string'))
    AND (NULLIF(current_setting('tenet.principal.country', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.country', true), '')::jsonb) = 'string'))
    AND (NULLIF(current_setting('tenet.principal.tags', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb) = 'array' AND NOT jsonb_path_exists(NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb, '$[*] ? (@.type() != "string")')))
    AND (NULLIF(current_setting('tenet.principal.national_id', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.national_id', true), '')::jsonb) = 'string'))
    AND ("classification" IS NULL OR "classification" COLLATE "C" IN ('public', 'internal', 'secret')))
  WITH CHECK ((NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL)
    AND (NULLIF(current_setting('tenet.principal.kyc', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.kyc', true), '')::jsonb) = 'string' AND (NULLIF(current_setting('tenet.principal.kyc', true), '')::jsonb #>> '{}') IN ('none', 'pending', 'verified')))
    AND (NULLIF(current_setting('tenet.principal.account_age_days', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.account_age_days', true), '')::jsonb) = 'number' AND NULLIF(current_setting('tenet.principal.account_age_days', true), '') ~ '^-?[0-9]+$'))
    AND (NULLIF(current_setting('tenet.principal.company_verified', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb) = 'boolean'))
    AND (NULLIF(current_setting('tenet.principal.company_id', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) = 'string'))
    AND (NULLIF(current_setting('tenet.principal.country', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.country', true), '')::jsonb) = 'string'))
    AND (NULLIF(current_setting('tenet.principal.tags', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb) = 'array' AND NOT jsonb_path_exists(NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb, '$[*] ? (@.type() != "string")')))
    AND (NULLIF(current_setting('tenet.principal.national_id', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.national_id', true), '')::jsonb) = 'string'))
    AND ("classification" IS NULL OR "classification" COLLATE "C" IN ('public', 'internal', 'secret')));
-- tenant 'acme', read on 'document'
CREATE POLICY "tenet_acme_45fd71af_read_permit" ON "documents" AS PERMISSIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'acme' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')))
      WHEN 'basic' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')))
      WHEN 'advanced' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')))
      WHEN 'company' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')) OR ((((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}') IS NOT NULL) AND ("company_id" IS NOT NULL) AND ("company_id" IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}') IS NOT NULL) AND ("company_id" = ((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}') AND "company_id" COLLATE "C" = ((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}'))))
      ELSE FALSE END);
CREATE POLICY "tenet_acme_45fd71af_read_forbid" ON "documents" AS RESTRICTIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'acme' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      ELSE TRUE END);
-- tenant 'acme', write on 'document'
CREATE POLICY "tenet_acme_45fd71af_write_permit" ON "documents" AS PERMISSIVE FOR UPDATE
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'acme' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END)
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') = 'acme' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
CREATE POLICY "tenet_acme_45fd71af_write_forbid" ON "documents" AS RESTRICTIVE FOR UPDATE
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'acme' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      ELSE TRUE END)
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'acme' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      ELSE TRUE END);
-- tenant 'acme', create on 'document'
CREATE POLICY "tenet_acme_45fd71af_create_forbid" ON "documents" AS RESTRICTIVE FOR INSERT
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'acme' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      ELSE TRUE END);
-- tenant 'acme', delete on 'document'
CREATE POLICY "tenet_acme_45fd71af_delete_permit" ON "documents" AS PERMISSIVE FOR DELETE
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'acme' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
CREATE POLICY "tenet_acme_45fd71af_delete_forbid" ON "documents" AS RESTRICTIVE FOR DELETE
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'acme' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      ELSE TRUE END);
-- tenant 'cedar', read on 'document'
CREATE POLICY "tenet_cedar_711cce3c_read_permit" ON "documents" AS PERMISSIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'cedar' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')))
      WHEN 'basic' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')))
      WHEN 'advanced' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')))
      WHEN 'company' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')) OR ((((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}') IS NOT NULL) AND ("company_id" IS NOT NULL) AND ("company_id" IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}') IS NOT NULL) AND ("company_id" = ((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}') AND "company_id" COLLATE "C" = ((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}'))))
      WHEN 'trader' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')))
      ELSE FALSE END);
CREATE POLICY "tenet_cedar_711cce3c_read_forbid" ON "documents" AS RESTRICTIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'cedar' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'trader' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      ELSE TRUE END);
-- tenant 'cedar', write on 'document'
CREATE POLICY "tenet_cedar_711cce3c_write_permit" ON "documents" AS PERMISSIVE FOR UPDATE
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'cedar' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'trader' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END)
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') = 'cedar' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'trader' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
CREATE POLICY "tenet_cedar_711cce3c_write_forbid" ON "documents" AS RESTRICTIVE FOR UPDATE
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'cedar' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'trader' THEN FALSE
      ELSE TRUE END)
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'cedar' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'trader' THEN FALSE
      ELSE TRUE END);
-- tenant 'cedar', create on 'document'
CREATE POLICY "tenet_cedar_711cce3c_create_forbid" ON "documents" AS RESTRICTIVE FOR INSERT
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'cedar' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'trader' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      ELSE TRUE END);
-- tenant 'cedar', delete on 'document'
CREATE POLICY "tenet_cedar_711cce3c_delete_permit" ON "documents" AS PERMISSIVE FOR DELETE
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'cedar' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'trader' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
CREATE POLICY "tenet_cedar_711cce3c_delete_forbid" ON "documents" AS RESTRICTIVE FOR DELETE
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'cedar' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'trader' THEN FALSE
      ELSE TRUE END);
-- tenant 'harbor-bank.eu', read on 'document'
CREATE POLICY "tenet_harbor_bank_eu_5544d6cc_read_permit" ON "documents" AS PERMISSIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'harbor-bank.eu' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')))
      WHEN 'basic' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')))
      WHEN 'advanced' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')))
      WHEN 'company' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')) OR ((((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}') IS NOT NULL) AND ("company_id" IS NOT NULL) AND ("company_id" IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}') IS NOT NULL) AND ("company_id" = ((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}') AND "company_id" COLLATE "C" = ((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}'))))
      ELSE FALSE END);
CREATE POLICY "tenet_harbor_bank_eu_5544d6cc_read_forbid" ON "documents" AS RESTRICTIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'harbor-bank.eu' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      WHEN 'basic' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      WHEN 'advanced' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      WHEN 'company' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      ELSE TRUE END);
-- tenant 'harbor-bank.eu', write on 'document'
CREATE POLICY "tenet_harbor_bank_eu_5544d6cc_write_permit" ON "documents" AS PERMISSIVE FOR UPDATE
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'harbor-bank.eu' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END)
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') = 'harbor-bank.eu' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
CREATE POLICY "tenet_harbor_bank_eu_5544d6cc_write_forbid" ON "documents" AS RESTRICTIVE FOR UPDATE
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'harbor-bank.eu' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      WHEN 'basic' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      WHEN 'advanced' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      WHEN 'company' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      ELSE TRUE END)
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'harbor-bank.eu' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      WHEN 'basic' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      WHEN 'advanced' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      WHEN 'company' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      ELSE TRUE END);
-- tenant 'harbor-bank.eu', create on 'document'
CREATE POLICY "tenet_harbor_bank_eu_5544d6cc_create_forbid" ON "documents" AS RESTRICTIVE FOR INSERT
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'harbor-bank.eu' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      WHEN 'basic' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      WHEN 'advanced' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      WHEN 'company' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      ELSE TRUE END);
-- tenant 'harbor-bank.eu', delete on 'document'
CREATE POLICY "tenet_harbor_bank_eu_5544d6cc_delete_permit" ON "documents" AS PERMISSIVE FOR DELETE
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'harbor-bank.eu' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
CREATE POLICY "tenet_harbor_bank_eu_5544d6cc_delete_forbid" ON "documents" AS RESTRICTIVE FOR DELETE
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'harbor-bank.eu' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      WHEN 'basic' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      WHEN 'advanced' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      WHEN 'company' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')) AND ((("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret'))) OR (("classification" IS NOT NULL) AND ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret') AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb)::boolean) = TRUE))))
      ELSE TRUE END);
-- tenant 'lumen', read on 'document'
CREATE POLICY "tenet_lumen_32fc2f1a_read_permit" ON "documents" AS PERMISSIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'lumen' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')))
      WHEN 'basic' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')))
      WHEN 'advanced' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')))
      WHEN 'company' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')) OR ((((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}') IS NOT NULL) AND ("company_id" IS NOT NULL) AND ("company_id" IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}') IS NOT NULL) AND ("company_id" = ((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}') AND "company_id" COLLATE "C" = ((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}'))))
      ELSE FALSE END);
CREATE POLICY "tenet_lumen_32fc2f1a_read_forbid" ON "documents" AS RESTRICTIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'lumen' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      ELSE TRUE END);
-- tenant 'lumen', write on 'document'
CREATE POLICY "tenet_lumen_32fc2f1a_write_permit" ON "documents" AS PERMISSIVE FOR UPDATE
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'lumen' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END)
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') = 'lumen' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
CREATE POLICY "tenet_lumen_32fc2f1a_write_forbid" ON "documents" AS RESTRICTIVE FOR UPDATE
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'lumen' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      ELSE TRUE END)
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'lumen' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      ELSE TRUE END);
-- tenant 'lumen', create on 'document'
CREATE POLICY "tenet_lumen_32fc2f1a_create_forbid" ON "documents" AS RESTRICTIVE FOR INSERT
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'lumen' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      ELSE TRUE END);
-- tenant 'lumen', delete on 'document'
CREATE POLICY "tenet_lumen_32fc2f1a_delete_permit" ON "documents" AS PERMISSIVE FOR DELETE
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'lumen' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
CREATE POLICY "tenet_lumen_32fc2f1a_delete_forbid" ON "documents" AS RESTRICTIVE FOR DELETE
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'lumen' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      ELSE TRUE END);
-- tenant 'northwind', read on 'document'
CREATE POLICY "tenet_northwind_dfced8ea_read_permit" ON "documents" AS PERMISSIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'northwind' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')))
      WHEN 'basic' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')))
      WHEN 'advanced' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')) OR (("classification" IS NOT NULL) AND ("classification" = 'internal' AND "classification" COLLATE "C" = 'internal') AND ((NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb) IS NOT NULL) AND ('desk' = ANY(ARRAY(SELECT jsonb_array_elements_text((NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb)))))))
      WHEN 'company' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (("classification" IS NOT NULL) AND ("classification" = 'public' AND "classification" COLLATE "C" = 'public')) OR ((((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}') IS NOT NULL) AND ("company_id" IS NOT NULL) AND ("company_id" IS NOT NULL) AND (((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}') IS NOT NULL) AND ("company_id" = ((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}') AND "company_id" COLLATE "C" = ((NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) #>> '{}'))) OR (("classification" IS NOT NULL) AND ("classification" = 'internal' AND "classification" COLLATE "C" = 'internal') AND ((NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb) IS NOT NULL) AND ('desk' = ANY(ARRAY(SELECT jsonb_array_elements_text((NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb)))))))
      ELSE FALSE END);
CREATE POLICY "tenet_northwind_dfced8ea_read_forbid" ON "documents" AS RESTRICTIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'northwind' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      ELSE TRUE END);
-- tenant 'northwind', write on 'document'
CREATE POLICY "tenet_northwind_dfced8ea_write_permit" ON "documents" AS PERMISSIVE FOR UPDATE
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'northwind' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END)
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') = 'northwind' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
CREATE POLICY "tenet_northwind_dfced8ea_write_forbid" ON "documents" AS RESTRICTIVE FOR UPDATE
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'northwind' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      ELSE TRUE END)
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'northwind' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("locked" IS NOT NULL) AND (NOT ("locked" = TRUE)) AND ("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      ELSE TRUE END);
-- tenant 'northwind', create on 'document'
CREATE POLICY "tenet_northwind_dfced8ea_create_forbid" ON "documents" AS RESTRICTIVE FOR INSERT
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'northwind' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'basic' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'advanced' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      WHEN 'company' THEN (("classification" IS NOT NULL) AND (NOT ("classification" = 'secret' AND "classification" COLLATE "C" = 'secret')))
      ELSE TRUE END);
-- tenant 'northwind', delete on 'document'
CREATE POLICY "tenet_northwind_dfced8ea_delete_permit" ON "documents" AS PERMISSIVE FOR DELETE
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'northwind' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
CREATE POLICY "tenet_northwind_dfced8ea_delete_forbid" ON "documents" AS RESTRICTIVE FOR DELETE
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'northwind' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN FALSE
      WHEN 'basic' THEN FALSE
      WHEN 'advanced' THEN FALSE
      WHEN 'company' THEN FALSE
      ELSE TRUE END);

-- Resource type 'account' in table "accounts".
ALTER TABLE "accounts" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "accounts" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenet_isolation ON "accounts" AS RESTRICTIVE FOR ALL
  USING ("provider_id" = NULLIF(current_setting('tenet.tenant', true), '') AND "provider_id" COLLATE "C" = NULLIF(current_setting('tenet.tenant', true), ''))
  WITH CHECK ("provider_id" = NULLIF(current_setting('tenet.tenant', true), '') AND "provider_id" COLLATE "C" = NULLIF(current_setting('tenet.tenant', true), ''));
CREATE POLICY tenet_valid ON "accounts" AS RESTRICTIVE FOR ALL
  USING ((NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL)
    AND (NULLIF(current_setting('tenet.principal.kyc', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.kyc', true), '')::jsonb) = 'string' AND (NULLIF(current_setting('tenet.principal.kyc', true), '')::jsonb #>> '{}') IN ('none', 'pending', 'verified')))
    AND (NULLIF(current_setting('tenet.principal.account_age_days', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.account_age_days', true), '')::jsonb) = 'number' AND NULLIF(current_setting('tenet.principal.account_age_days', true), '') ~ '^-?[0-9]+$'))
    AND (NULLIF(current_setting('tenet.principal.company_verified', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb) = 'boolean'))
    AND (NULLIF(current_setting('tenet.principal.company_id', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) = 'string'))
    AND (NULLIF(current_setting('tenet.principal.country', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.country', true), '')::jsonb) = 'string'))
    AND (NULLIF(current_setting('tenet.principal.tags', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb) = 'array' AND NOT jsonb_path_exists(NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb, '$[*] ? (@.type() != "string")')))
    AND (NULLIF(current_setting('tenet.principal.national_id', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.national_id', true), '')::jsonb) = 'string'))
    AND TRUE)
  WITH CHECK ((NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL)
    AND (NULLIF(current_setting('tenet.principal.kyc', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.kyc', true), '')::jsonb) = 'string' AND (NULLIF(current_setting('tenet.principal.kyc', true), '')::jsonb #>> '{}') IN ('none', 'pending', 'verified')))
    AND (NULLIF(current_setting('tenet.principal.account_age_days', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.account_age_days', true), '')::jsonb) = 'number' AND NULLIF(current_setting('tenet.principal.account_age_days', true), '') ~ '^-?[0-9]+$'))
    AND (NULLIF(current_setting('tenet.principal.company_verified', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb) = 'boolean'))
    AND (NULLIF(current_setting('tenet.principal.company_id', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) = 'string'))
    AND (NULLIF(current_setting('tenet.principal.country', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.country', true), '')::jsonb) = 'string'))
    AND (NULLIF(current_setting('tenet.principal.tags', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb) = 'array' AND NOT jsonb_path_exists(NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb, '$[*] ? (@.type() != "string")')))
    AND (NULLIF(current_setting('tenet.principal.national_id', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.national_id', true), '')::jsonb) = 'string'))
    AND TRUE);
-- tenant 'acme', read on 'account'
CREATE POLICY "tenet_acme_45fd71af_read_permit" ON "accounts" AS PERMISSIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'acme' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
-- tenant 'acme', write on 'account'
CREATE POLICY "tenet_acme_45fd71af_write_permit" ON "accounts" AS PERMISSIVE FOR UPDATE
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'acme' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END)
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') = 'acme' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
-- tenant 'acme', create on 'account'
-- tenant 'acme', delete on 'account'
-- tenant 'cedar', read on 'account'
CREATE POLICY "tenet_cedar_711cce3c_read_permit" ON "accounts" AS PERMISSIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'cedar' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'trader' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (((NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb) IS NOT NULL) AND ('desk' = ANY(ARRAY(SELECT jsonb_array_elements_text((NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb)))))))
      ELSE FALSE END);
-- tenant 'cedar', write on 'account'
CREATE POLICY "tenet_cedar_711cce3c_write_permit" ON "accounts" AS PERMISSIVE FOR UPDATE
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'cedar' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'trader' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (((NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb) IS NOT NULL) AND ('desk' = ANY(ARRAY(SELECT jsonb_array_elements_text((NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb)))))))
      ELSE FALSE END)
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') = 'cedar' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'trader' THEN ((("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), ''))) OR (((NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb) IS NOT NULL) AND ('desk' = ANY(ARRAY(SELECT jsonb_array_elements_text((NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb)))))))
      ELSE FALSE END);
CREATE POLICY "tenet_cedar_711cce3c_write_forbid" ON "accounts" AS RESTRICTIVE FOR UPDATE
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'cedar' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'trader' THEN FALSE
      ELSE TRUE END)
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'cedar' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'trader' THEN FALSE
      ELSE TRUE END);
-- tenant 'cedar', create on 'account'
-- tenant 'cedar', delete on 'account'
CREATE POLICY "tenet_cedar_711cce3c_delete_forbid" ON "accounts" AS RESTRICTIVE FOR DELETE
  USING (NULLIF(current_setting('tenet.tenant', true), '') IS DISTINCT FROM 'cedar' OR CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'trader' THEN FALSE
      ELSE TRUE END);
-- tenant 'harbor-bank.eu', read on 'account'
CREATE POLICY "tenet_harbor_bank_eu_5544d6cc_read_permit" ON "accounts" AS PERMISSIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'harbor-bank.eu' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
-- tenant 'harbor-bank.eu', write on 'account'
CREATE POLICY "tenet_harbor_bank_eu_5544d6cc_write_permit" ON "accounts" AS PERMISSIVE FOR UPDATE
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'harbor-bank.eu' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END)
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') = 'harbor-bank.eu' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
-- tenant 'harbor-bank.eu', create on 'account'
-- tenant 'harbor-bank.eu', delete on 'account'
-- tenant 'lumen', read on 'account'
CREATE POLICY "tenet_lumen_32fc2f1a_read_permit" ON "accounts" AS PERMISSIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'lumen' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
-- tenant 'lumen', write on 'account'
CREATE POLICY "tenet_lumen_32fc2f1a_write_permit" ON "accounts" AS PERMISSIVE FOR UPDATE
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'lumen' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END)
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') = 'lumen' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
-- tenant 'lumen', create on 'account'
-- tenant 'lumen', delete on 'account'
-- tenant 'northwind', read on 'account'
CREATE POLICY "tenet_northwind_dfced8ea_read_permit" ON "accounts" AS PERMISSIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'northwind' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
-- tenant 'northwind', write on 'account'
CREATE POLICY "tenet_northwind_dfced8ea_write_permit" ON "accounts" AS PERMISSIVE FOR UPDATE
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'northwind' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END)
  WITH CHECK (NULLIF(current_setting('tenet.tenant', true), '') = 'northwind' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'basic' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("owner_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("owner_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "owner_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
-- tenant 'northwind', create on 'account'
-- tenant 'northwind', delete on 'account'

-- Resource type 'subscription' in table "subscriptions".
ALTER TABLE "subscriptions" ENABLE ROW LEVEL SECURITY;
ALTER TABLE "subscriptions" FORCE ROW LEVEL SECURITY;
CREATE POLICY tenet_isolation ON "subscriptions" AS RESTRICTIVE FOR ALL
  USING ("provider_id" = NULLIF(current_setting('tenet.tenant', true), '') AND "provider_id" COLLATE "C" = NULLIF(current_setting('tenet.tenant', true), ''))
  WITH CHECK ("provider_id" = NULLIF(current_setting('tenet.tenant', true), '') AND "provider_id" COLLATE "C" = NULLIF(current_setting('tenet.tenant', true), ''));
CREATE POLICY tenet_valid ON "subscriptions" AS RESTRICTIVE FOR ALL
  USING ((NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL)
    AND (NULLIF(current_setting('tenet.principal.kyc', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.kyc', true), '')::jsonb) = 'string' AND (NULLIF(current_setting('tenet.principal.kyc', true), '')::jsonb #>> '{}') IN ('none', 'pending', 'verified')))
    AND (NULLIF(current_setting('tenet.principal.account_age_days', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.account_age_days', true), '')::jsonb) = 'number' AND NULLIF(current_setting('tenet.principal.account_age_days', true), '') ~ '^-?[0-9]+$'))
    AND (NULLIF(current_setting('tenet.principal.company_verified', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb) = 'boolean'))
    AND (NULLIF(current_setting('tenet.principal.company_id', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) = 'string'))
    AND (NULLIF(current_setting('tenet.principal.country', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.country', true), '')::jsonb) = 'string'))
    AND (NULLIF(current_setting('tenet.principal.tags', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb) = 'array' AND NOT jsonb_path_exists(NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb, '$[*] ? (@.type() != "string")')))
    AND (NULLIF(current_setting('tenet.principal.national_id', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.national_id', true), '')::jsonb) = 'string'))
    AND TRUE)
  WITH CHECK ((NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL)
    AND (NULLIF(current_setting('tenet.principal.kyc', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.kyc', true), '')::jsonb) = 'string' AND (NULLIF(current_setting('tenet.principal.kyc', true), '')::jsonb #>> '{}') IN ('none', 'pending', 'verified')))
    AND (NULLIF(current_setting('tenet.principal.account_age_days', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.account_age_days', true), '')::jsonb) = 'number' AND NULLIF(current_setting('tenet.principal.account_age_days', true), '') ~ '^-?[0-9]+$'))
    AND (NULLIF(current_setting('tenet.principal.company_verified', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.company_verified', true), '')::jsonb) = 'boolean'))
    AND (NULLIF(current_setting('tenet.principal.company_id', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.company_id', true), '')::jsonb) = 'string'))
    AND (NULLIF(current_setting('tenet.principal.country', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.country', true), '')::jsonb) = 'string'))
    AND (NULLIF(current_setting('tenet.principal.tags', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb) = 'array' AND NOT jsonb_path_exists(NULLIF(current_setting('tenet.principal.tags', true), '')::jsonb, '$[*] ? (@.type() != "string")')))
    AND (NULLIF(current_setting('tenet.principal.national_id', true), '') IS NULL OR (jsonb_typeof(NULLIF(current_setting('tenet.principal.national_id', true), '')::jsonb) = 'string'))
    AND TRUE);
-- tenant 'acme', read on 'subscription'
CREATE POLICY "tenet_acme_45fd71af_read_permit" ON "subscriptions" AS PERMISSIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'acme' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'basic' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
-- tenant 'acme', write on 'subscription'
-- tenant 'acme', create on 'subscription'
-- tenant 'acme', delete on 'subscription'
-- tenant 'cedar', read on 'subscription'
CREATE POLICY "tenet_cedar_711cce3c_read_permit" ON "subscriptions" AS PERMISSIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'cedar' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'basic' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'trader' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
-- tenant 'cedar', write on 'subscription'
-- tenant 'cedar', create on 'subscription'
-- tenant 'cedar', delete on 'subscription'
-- tenant 'harbor-bank.eu', read on 'subscription'
CREATE POLICY "tenet_harbor_bank_eu_5544d6cc_read_permit" ON "subscriptions" AS PERMISSIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'harbor-bank.eu' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'basic' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
-- tenant 'harbor-bank.eu', write on 'subscription'
-- tenant 'harbor-bank.eu', create on 'subscription'
-- tenant 'harbor-bank.eu', delete on 'subscription'
-- tenant 'lumen', read on 'subscription'
CREATE POLICY "tenet_lumen_32fc2f1a_read_permit" ON "subscriptions" AS PERMISSIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'lumen' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'basic' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
-- tenant 'lumen', write on 'subscription'
-- tenant 'lumen', create on 'subscription'
-- tenant 'lumen', delete on 'subscription'
-- tenant 'northwind', read on 'subscription'
CREATE POLICY "tenet_northwind_dfced8ea_read_permit" ON "subscriptions" AS PERMISSIVE FOR SELECT
  USING (NULLIF(current_setting('tenet.tenant', true), '') = 'northwind' AND CASE NULLIF(current_setting('tenet.principal.role', true), '')
      WHEN 'guest' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'basic' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'advanced' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      WHEN 'company' THEN (("customer_id" IS NOT NULL) AND (NULLIF(current_setting('tenet.principal.id', true), '') IS NOT NULL) AND ("customer_id" = NULLIF(current_setting('tenet.principal.id', true), '') AND "customer_id" COLLATE "C" = NULLIF(current_setting('tenet.principal.id', true), '')))
      ELSE FALSE END);
-- tenant 'northwind', write on 'subscription'
-- tenant 'northwind', create on 'subscription'
-- tenant 'northwind', delete on 'subscription'

COMMIT;
