"""The acme scenario: a basic user reads her own document (allow); a guest asks
to become basic before KYC (deny, and tenet says which condition is unmet).

    python3 acme.py [HOST:PORT | SOCKET_PATH]      (default 127.0.0.1:7070)
    TENET_TOKEN=... python3 acme.py                 (a server with a token file)
"""

import json
import os
import sys

from tenet_client import Client, Principal, Resource

address = sys.argv[1] if len(sys.argv) > 1 else "127.0.0.1:7070"

alice = Principal("alice", "basic", {"kyc": "verified", "account_age_days": 12, "country": "DE", "tags": []})
her_document = Resource("document", "d1", attrs={"owner": "alice", "locked": False, "classification": "internal"})
gus = Principal("gus", "guest", {"kyc": "pending", "account_age_days": 0, "country": "FR", "tags": []})

with Client(address, tenant="acme", token=os.environ.get("TENET_TOKEN")) as tenet:
    read = tenet.check(alice, "read", her_document)
    print("alice reads d1:", "allow" if read else "deny", json.dumps(read.reasons))

    upgrade = tenet.transition(gus, "basic")
    print("gus becomes basic:", "allow" if upgrade else "deny", json.dumps(upgrade.unmet))
