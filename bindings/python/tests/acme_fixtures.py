"""The acme people and things every client test asks about (policies/tenants/acme.tenet)."""

from tenet_client import Principal, Resource

ALICE = Principal("alice", "basic", {"kyc": "verified", "account_age_days": 12, "country": "DE", "tags": []})
GUS = Principal("gus", "guest", {"kyc": "pending", "account_age_days": 0, "country": "FR", "tags": []})
ALICES_DOC = Resource("document", "d1", attrs={"owner": "alice", "locked": False, "classification": "internal"})
BOBS_DOC = Resource("document", "d2", attrs={"owner": "bob", "locked": False, "classification": "internal"})
SECRET_DOC = Resource("document", "d9", attrs={"owner": "alice", "locked": False, "classification": "secret"})
GLOBEX_DOC = Resource(
    "document", "d7", tenant="globex", attrs={"owner": "alice", "locked": False, "classification": "internal"}
)
SIGNING = Resource("subscription", "s1", state="signing", attrs={"owner": "alice", "plan": "starter", "overdue_days": 0})
