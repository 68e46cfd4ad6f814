"""Who owns a job: an id the server issues and signs, so a browser cannot take another's.

A browser keeps the token `<id>.<HMAC-SHA256(id)>` in its local storage (gr.BrowserState); every
handler verifies it and works with the id alone. A forged or missing token gets a fresh id. The key
is LAB_SECRET, else a random key written once to `<data dir>/secret` (mode 0600), so tokens
outlive a restart; the browser state's own encryption key comes from it too (`browser_secret`). Clearing storage does mint a new id: `OwnerMint` caps how many one client address
gets per window (generously: a classroom shares one NAT address), and the queue's global limit
bounds what any number of ids can ask for.

The instructor is whoever types LAB_ADMIN_TOKEN into the page; without the variable, nobody is.

    python -c "from lab.serve import owners; t = owners.issue(); print(t, owners.verify(t))"
"""
from __future__ import annotations

import collections
import hashlib
import hmac
import os
import secrets
import threading
import time

from lab import limits, resources

_key_lock = threading.Lock()
_keys: dict[str, bytes] = {}


def _key() -> bytes:
    if os.environ.get("LAB_SECRET"):
        return os.environ["LAB_SECRET"].encode()
    path = resources.data_dir() / "secret"
    with _key_lock:
        if str(path) in _keys:
            return _keys[str(path)]
        if not path.exists():
            # O_EXCL: two processes starting at once never write two different keys.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as handle:
                    handle.write(secrets.token_hex(32))
            except FileExistsError:
                pass
        _keys[str(path)] = path.read_text().strip().encode()
        return _keys[str(path)]


def _sign(owner_id: str) -> str:
    return hmac.new(_key(), owner_id.encode(), hashlib.sha256).hexdigest()


def browser_secret() -> str:
    """The key gr.BrowserState encrypts the page's local storage with, derived from the lab's own key:
    gradio draws a new one per process otherwise, and every browser would be a stranger after a restart."""
    return hmac.new(_key(), b"browser-state", hashlib.sha256).hexdigest()


def issue() -> str:
    """A new token for a new browser."""
    owner_id = secrets.token_hex(16)
    return f"{owner_id}.{_sign(owner_id)}"


def verify(token) -> str | None:
    """The owner id of a well-signed token, else None."""
    if not isinstance(token, str) or token.count(".") != 1 or len(token) > 200:
        return None
    owner_id, signature = token.split(".")
    if not owner_id or not hmac.compare_digest(signature, _sign(owner_id)):
        return None
    return owner_id


def is_admin(typed) -> bool:
    """True when LAB_ADMIN_TOKEN is set and `typed` equals it (compared in constant time)."""
    expected = os.environ.get("LAB_ADMIN_TOKEN", "")
    return bool(expected) and isinstance(typed, str) and hmac.compare_digest(typed.encode(), expected.encode())


def admin_enabled() -> bool:
    return bool(os.environ.get("LAB_ADMIN_TOKEN"))


class OwnerMint:
    """Issues new tokens, at most `per_address` per client address per `window_s` seconds."""

    def __init__(self, per_address: int = limits.NEW_OWNERS_PER_ADDRESS, window_s: float = limits.NEW_OWNERS_WINDOW_S):
        self.per_address, self.window_s = per_address, window_s
        self._seen: dict[str, collections.deque] = {}
        self._lock = threading.Lock()

    def token_for(self, token, address: str = "") -> str:
        """The token itself when it verifies; a fresh one otherwise; "" when this address has had too many."""
        if verify(token):
            return token
        now = time.monotonic()
        with self._lock:
            times = self._seen.setdefault(address, collections.deque())
            while times and now - times[0] > self.window_s:
                times.popleft()
            if len(times) >= self.per_address:
                return ""
            times.append(now)
            if len(self._seen) > 10_000:  # forget quiet addresses rather than grow without end
                for key in [k for k, v in self._seen.items() if not v][:5_000]:
                    del self._seen[key]
        return issue()
