"""Graph JSON batching: ``POST /v1.0/$batch`` with up to 20 sub-requests.

Each sub-request goes through ``Emulator.handle_internal`` so routing, fault injection,
operation counts and the mailbox concurrency limit apply to it as to a direct call. As Graph's
JSON batching page says: steps without ``dependsOn`` run in any order (``batch_parallel`` of
them at once); a step runs only after the steps it depends on, and fails with ``424 Failed
Dependency`` when one of them failed; a ``dependsOn`` naming no earlier step is a 400.
"""

import json

from .microsoft_store import GraphError
from .provider import json_response

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
        if self.batch_parallel:
            answers = self._run_waves(request, user, steps)
        else:
            answers = {}
            for step in steps:
                answers[step["id"]] = self._failed_dependency(step, answers) or self._run_step(
                    request, step
                )
        return json_response({"responses": [answers[step["id"]] for step in steps]})

    @staticmethod
    def _failed_dependency(step, answers):
        failed = [d for d in step.get("dependsOn") or [] if answers[d]["status"] >= 400]
        if not failed:
            return None
        return {
            "id": step["id"],
            "status": 424,
            "body": {
                "error": {
                    "code": "FailedDependency",
                    "message": f"Request depends on failed request(s) {failed}.",
                }
            },
        }

    def _run_waves(self, request, user, steps):
        """Steps as Graph runs them: up to ``batch_parallel`` ready steps at once, each in a
        slot of the mailbox for the whole wave; a step that finds none is throttled."""
        answers, pending = {}, list(steps)
        while pending:
            ready = [
                step for step in pending if all(d in answers for d in step.get("dependsOn") or [])
            ]
            wave = []
            for step in ready[: self.batch_parallel]:
                pending.remove(step)
                blocked = self._failed_dependency(step, answers)
                if blocked:
                    answers[step["id"]] = blocked
                else:
                    wave.append(step)
            with self.emu.lock:
                had = self._take_slots(user.email, len(wave), self._contention())
                throttled = set(self.rng.sample(range(len(wave)), len(wave) - had))
                self.throttled[user.email] += len(throttled)
            try:
                for index, step in enumerate(wave):
                    if index in throttled:
                        answers[step["id"]] = self._step_answer(
                            step, self._graph_error_of(self._concurrency_error())
                        )
                        continue
                    self._reserved.slot = True
                    try:
                        answers[step["id"]] = self._run_step(request, step)
                    finally:
                        self._reserved.slot = False
            finally:
                with self.emu.lock:
                    self._inflight[user.email] -= had
        return answers

    def _graph_error_of(self, exc):
        return self._graph_error(exc.status, exc.code, exc.message, exc.headers)

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
        return self._step_answer(step, resp)

    @staticmethod
    def _step_answer(step, resp):
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
