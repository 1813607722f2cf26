"""Graph JSON batching: ``POST /v1.0/$batch`` with up to 20 sub-requests.

Each sub-request goes through ``Emulator.handle_internal`` so routing, fault injection,
operation counts and the mailbox concurrency limit apply to it as to a direct call.
"""

import json

from .core import json_response
from .microsoft_store import GraphError

MAX_REQUESTS = 20
FORWARDED_HEADERS = ("Content-Type", "ETag", "Location", "Retry-After", "Preference-Applied")


def _batch_error(message):
    return GraphError(400, "BadRequest", message)


class GraphBatch:
    """Mixin of MicrosoftEmulator."""

    def on_batch(self, request, user):
        payload = self._json(request)
        steps = payload.get("requests")
        if not isinstance(steps, list) or not steps:
            raise _batch_error(
                "Invalid batch payload format: 'requests' must be a non-empty array."
            )
        if len(steps) > MAX_REQUESTS:
            raise _batch_error(
                f"Number of batch request steps exceeds the maximum of {MAX_REQUESTS}."
            )
        seen = set()
        for step in steps:
            if not isinstance(step, dict) or not all(step.get(k) for k in ("id", "method", "url")):
                raise _batch_error("Each batch request requires an id, a method and a url.")
            if step["id"] in seen:
                raise _batch_error(f"Batch request id '{step['id']}' is not unique.")
            unknown = set(step.get("dependsOn") or []) - seen
            if unknown:
                raise _batch_error(
                    f"Batch request '{step['id']}' depends on unknown or later "
                    f"requests {sorted(unknown)}."
                )
            seen.add(step["id"])
        statuses, responses = {}, []
        for step in steps:
            failed = [d for d in step.get("dependsOn") or [] if statuses[d] >= 400]
            if failed:
                answer = {
                    "id": step["id"],
                    "status": 424,
                    "body": {
                        "error": {
                            "code": "FailedDependency",
                            "message": f"Request depends on failed request(s) {failed}.",
                        }
                    },
                }
            else:
                answer = self._run_step(request, step)
            statuses[step["id"]] = answer["status"]
            responses.append(answer)
        return json_response({"responses": responses})

    def _run_step(self, request, step):
        url = step["url"]
        if "://" in url:
            return self._step_error(step, "The batch request url must be relative.")
        path = "/" + url.lstrip("/")
        if path.startswith("/v1.0/"):
            path = path[len("/v1.0") :]
        headers = {k: str(v) for k, v in (step.get("headers") or {}).items()}
        headers.setdefault("Authorization", request.headers.get("Authorization", ""))
        body = step.get("body")
        data = b""
        if body is not None:
            if "content-type" not in {k.lower() for k in headers}:
                return self._step_error(
                    step, "Content-Type header is required when a body is present."
                )
            data = json.dumps(body).encode() if not isinstance(body, str) else body.encode()
        resp = self.emu.handle_internal(
            "microsoft", step["method"].upper(), "/graph/v1.0" + path, headers, data
        )
        raw = resp.get_data()
        if raw and resp.mimetype == "application/json":
            content = json.loads(raw)
        else:
            content = raw.decode() if raw else None
        answer = {
            "id": step["id"],
            "status": resp.status_code,
            "headers": {k: resp.headers[k] for k in FORWARDED_HEADERS if k in resp.headers},
        }
        if content is not None:
            answer["body"] = content
        return answer

    @staticmethod
    def _step_error(step, message):
        return {
            "id": step["id"],
            "status": 400,
            "headers": {"Content-Type": "application/json"},
            "body": {"error": {"code": "BadRequest", "message": message}},
        }
