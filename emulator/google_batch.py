"""The batch endpoint: multipart/mixed of ``application/http`` parts, answered in kind.

Each part runs through ``emu.handle_internal``, so injected faults and operation counts
apply per sub-request. Headers of the outer request (except ``Content-*``) apply to every
part unless the part sets its own, as Google documents.
"""

import secrets
from urllib.parse import urlsplit

from werkzeug.http import parse_options_header
from werkzeug.wrappers import Response

from .google_store import invalid

MAX_PARTS = 1000
_HOP_HEADERS = {"host", "connection", "transfer-encoding", "accept-encoding", "keep-alive"}


def _split_head(blob):
    """(header lines, body) of a MIME part or of an HTTP message."""
    found = [(i, n) for i, n in ((blob.find(b"\r\n\r\n"), 4), (blob.find(b"\n\n"), 2)) if i >= 0]
    if not found:
        return blob.decode("utf-8", "replace").splitlines(), b""
    index, size = min(found)
    return blob[:index].decode("utf-8", "replace").splitlines(), blob[index + size :]


def _headers(lines):
    headers = {}
    for line in lines:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    return headers


def split_parts(body, boundary):
    parts = []
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        # the rest of the delimiter line, then the part up to the CRLF owned by the next one
        chunk = chunk.split(b"\n", 1)[1] if b"\n" in chunk else b""
        if chunk.endswith(b"\r\n"):
            chunk = chunk[:-2]
        elif chunk.endswith(b"\n"):
            chunk = chunk[:-1]
        parts.append(chunk)
    return parts


def _response_part(boundary, content_id, response):
    lines = [f"--{boundary}", "Content-Type: application/http"]
    if content_id:
        inner = (
            content_id[1:-1]
            if content_id.startswith("<") and content_id.endswith(">")
            else content_id
        )
        lines.append(f"Content-ID: <response-{inner}>")
    data = response.get_data()
    status = [f"HTTP/1.1 {response.status}"]
    status += [
        f"{name}: {value}"
        for name, value in response.headers.items()
        if name.lower() != "content-length"
    ]
    status.append(f"Content-Length: {len(data)}")
    head = "\r\n".join(lines) + "\r\n\r\n" + "\r\n".join(status) + "\r\n\r\n"
    return head.encode() + data + b"\r\n"


class BatchMixin:
    def on_batch(self, request):
        mimetype, options = parse_options_header(request.headers.get("Content-Type", ""))
        if mimetype != "multipart/mixed" or not options.get("boundary"):
            raise invalid("A batch request must be multipart/mixed with a boundary.")
        parts = split_parts(request.get_data(), options["boundary"])
        if not parts:
            raise invalid("The batch request contains no parts.")
        if len(parts) > MAX_PARTS:
            raise invalid(f"Exceeded the maximum of {MAX_PARTS} calls in a batch request.")
        outer = {
            name.lower(): value
            for name, value in request.headers.items()
            if not name.lower().startswith("content-") and name.lower() not in _HOP_HEADERS
        }
        boundary = "batch_" + secrets.token_urlsafe(18)
        answer = []
        for part in parts:
            head, inner = _split_head(part)
            response = self._batch_call(inner, outer)
            answer.append(_response_part(boundary, _headers(head).get("content-id"), response))
        answer.append(f"--{boundary}--\r\n".encode())
        return Response(
            b"".join(answer), status=200, content_type=f"multipart/mixed; boundary={boundary}"
        )

    def _batch_call(self, inner, outer):
        lines, body = _split_head(inner)
        request_line = lines[0].split() if lines else []
        if len(request_line) < 2:
            return self.error(400, "Invalid batch part: no request line.", "invalid")
        method, target = request_line[0].upper(), request_line[1]
        parsed = urlsplit(target)
        path = parsed.path + (f"?{parsed.query}" if parsed.query else "")
        if path.startswith(f"/{self.name}/"):
            path = path[len(self.name) + 1 :]
        if path.startswith("/batch"):
            return self.error(400, "Batch requests cannot be nested.", "invalid")
        headers = dict(outer)
        headers.update(_headers(lines[1:]))
        headers.pop("host", None)
        return self.emu.handle_internal(self.name, method, path, headers, body)
