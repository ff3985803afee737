"""The published contract, generated from the event catalogue: AsyncAPI 3 and JSON Schemas.

`python -m sentra_shared.contract generate` (`make contracts`) writes shared/contracts/
(Sentra's AsyncAPI document, one AsyncAPI document per agency written from its side, one
JSON Schema per event); `check` fails when those files drifted from the code or an event
changed incompatibly with its last released schema (shared/contracts/released/);
`release` records the current schemas as released.
"""

from pathlib import Path

CONTRACTS_DIR = Path(__file__).resolve().parents[2] / "contracts"
ASYNCAPI_FILE = CONTRACTS_DIR / "asyncapi.json"
AGENCIES_DIR = CONTRACTS_DIR / "agencies"
SCHEMAS_DIR = CONTRACTS_DIR / "schemas"
RELEASED_DIR = CONTRACTS_DIR / "released"
