"""The six decision calls and `filter`, written once for every synchronous front end.

`Client` (a server) and `Engine` (in process) ask the same questions and differ
only in how one request travels; each supplies `_decide(request)`, which sends
a typed request and returns its typed answer or raises `ProtocolError`.
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

from . import types as t


class DecisionCalls:
    """check / transition / subscribe / plans / features / lifecycle / filter over `self._decide`."""

    def _decide(self, request: t.DecisionRequest) -> Any:
        raise NotImplementedError

    def check(
        self,
        principal: t.PrincipalLike,
        action: str,
        resource: t.ResourceLike,
        *,
        tenant: Optional[str] = None,
        context: Optional[Mapping[str, Any]] = None,
        explain: bool = False,
    ) -> t.Decision:
        """May `principal` do `action` on `resource`? Raises ProtocolError if refused."""
        return self._decide(t.CheckRequest(principal, action, resource, tenant, context, explain))

    def transition(
        self, principal: t.PrincipalLike, to: str, *, tenant: Optional[str] = None,
        context: Optional[Mapping[str, Any]] = None,
    ) -> t.Decision:
        return self._decide(t.TransitionRequest(principal, to, tenant, context))

    def subscribe(
        self, principal: t.PrincipalLike, plan: str, *, tenant: Optional[str] = None,
        context: Optional[Mapping[str, Any]] = None,
    ) -> t.Decision:
        return self._decide(t.SubscribeRequest(principal, plan, tenant, context))

    def plans(
        self, principal: t.PrincipalLike, *, tenant: Optional[str] = None,
        context: Optional[Mapping[str, Any]] = None,
    ) -> t.Plans:
        return self._decide(t.PlansRequest(principal, tenant, context))

    def features(
        self, principal: t.PrincipalLike, *, tenant: Optional[str] = None,
        context: Optional[Mapping[str, Any]] = None,
    ) -> t.Features:
        return self._decide(t.FeaturesRequest(principal, tenant, context))

    def lifecycle(
        self, principal: t.PrincipalLike, resource: t.ResourceLike, to: str, *,
        tenant: Optional[str] = None, context: Optional[Mapping[str, Any]] = None,
    ) -> t.Decision:
        return self._decide(t.LifecycleRequest(principal, resource, to, tenant, context))

    def filter(
        self, principal: t.PrincipalLike, action: str, resource_type: str, *,
        tenant: Optional[str] = None, context: Optional[Mapping[str, Any]] = None,
    ) -> t.Filter:
        """The rows of `resource_type` `principal` may `action`: a `Filter` (kind, sql, params, condition)."""
        return self._decide(t.FilterRequest(principal, action, resource_type, tenant, context))
