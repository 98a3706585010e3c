"""Who may do what in the web app: accounts, sessions, CSRF tokens.

On 127.0.0.1 (the default) the one person at the keyboard may do everything, as with the CLI; a
session still carries a CSRF token, so that no other web page can make their browser change a file.
Bound to any other address, every page but the login needs a session from an account in
``inputs/web-accounts.yaml`` (``clusterpack user add``): an operator sees only their own clusters,
a clerk only their city. Passwords are kept as scrypt hashes; sessions expire.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from pipeline.core import scratch
from pipeline.core.raw import check_cluster_id
from pipeline.errors import UsageError

ACCOUNTS = "web-accounts.yaml"  # under inputs/
IDLE_SECONDS = 2 * 3600  # a session unused this long has ended
MAX_SECONDS = 12 * 3600  # and none lasts longer than a working day
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}
FAILURES, LOCKOUT_SECONDS = 8, 15 * 60
MAX_SESSIONS = 10_000  # beyond this the least recently used session ends (a flood of new visitors is bounded)
MAX_NAMES = 10_000  # names with failed logins remembered


@dataclass(frozen=True)
class User:
    """Whose session it is: ``local`` (127.0.0.1, all rights), an ``operator`` of some clusters, a ``clerk`` of a city."""

    name: str
    role: str
    clusters: tuple[str, ...] = ()
    city: str = ""

    def may_see_cluster(self, cluster_id: str, city: str) -> bool:
        if self.role == "local":
            return True
        if self.role == "operator":
            return cluster_id in self.clusters
        return self.role == "clerk" and bool(city) and city == self.city

    def may_edit_cluster(self, cluster_id: str) -> bool:
        return self.role == "local" or (self.role == "operator" and cluster_id in self.clusters)

    def may_see_city(self, city: str) -> bool:
        return self.role == "local" or (self.role == "clerk" and city == self.city)


LOCAL = User("本机", "local")


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **_SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT['n']}${_SCRYPT['r']}${_SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return False
        mine = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(mine, base64.b64decode(digest))


def _accounts(inputs: Path) -> list[dict[str, Any]]:
    file = inputs / ACCOUNTS
    if not file.is_file():
        return []
    data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    users = data.get("users") if isinstance(data, dict) else None
    return [u for u in users if isinstance(u, dict)] if isinstance(users, list) else []


def add_user(inputs: Path, name: str, password: str, clusters: tuple[str, ...] = (), city: str = "") -> Path:
    """Add (or replace) an account: an operator of ``clusters``, or the clerk of ``city``."""
    if not name or not name.isprintable() or len(name) > 64:
        raise UsageError("用户名应为 1–64 个可见字符 (a user name of 1-64 printable characters)", code="E-USAGE-USER")
    if len(password) < 10:
        raise UsageError("密码至少 10 个字符 (a password of at least 10 characters)", code="E-USAGE-PASSWORD")
    if bool(clusters) == bool(city):
        raise UsageError(
            "请给出 --cluster（集群运营方）或 --city（市工信局），二者择一 (one of --cluster or --city)",
            code="E-USAGE-USER-ROLE",
        )
    entry: dict[str, Any] = {"name": name, "password": hash_password(password)}
    if clusters:
        entry |= {"role": "operator", "clusters": [check_cluster_id(c) for c in clusters]}
    else:
        entry |= {"role": "clerk", "city": city}
    users = [u for u in _accounts(inputs) if u.get("name") != name] + [entry]
    text = "# clusterpack 网页账户（口令为 scrypt 摘要） (web accounts; passwords are scrypt hashes)\n"
    return scratch.write_atomic(inputs / ACCOUNTS, text + yaml.safe_dump({"users": users}, allow_unicode=True))


def login(inputs: Path, name: str, password: str) -> User | None:
    """The account's user when ``password`` is its own, else None (the same time either way, nearly)."""
    entry = next((u for u in _accounts(inputs) if u.get("name") == name), None)
    stored = str(entry.get("password", "")) if entry else hash_password("x" * 12)  # no hint that the name is unknown
    if not verify_password(password, stored) or entry is None:
        return None
    role = str(entry.get("role", ""))
    clusters = tuple(str(c) for c in entry.get("clusters") or ())
    return User(name, role, clusters, str(entry.get("city") or "")) if role in ("operator", "clerk") else None


@dataclass
class Session:
    user: User | None
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    created: float = field(default_factory=time.time)
    seen: float = field(default_factory=time.time)

    def expired(self, now: float) -> bool:
        return now - self.seen > IDLE_SECONDS or now - self.created > MAX_SECONDS


class Sessions:
    """Sessions by their random token (kept in memory: a restarted app asks everyone to log in again)."""

    def __init__(self) -> None:
        self._by_token: dict[str, Session] = {}
        self._failures: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def new(self, user: User | None) -> tuple[str, Session]:
        token, session = secrets.token_urlsafe(32), Session(user)
        with self._lock:
            now = time.time()
            self._by_token = {t: s for t, s in self._by_token.items() if not s.expired(now)}
            if len(self._by_token) >= MAX_SESSIONS:
                oldest = sorted(self._by_token, key=lambda t: self._by_token[t].seen)[: len(self._by_token) // 10 + 1]
                for t in oldest:
                    del self._by_token[t]
            self._by_token[token] = session
        return token, session

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._lock:
            session = self._by_token.get(token)
            now = time.time()
            if session is None or session.expired(now):
                self._by_token.pop(token, None)
                return None
            session.seen = now
            return session

    def end(self, token: str | None) -> None:
        with self._lock:
            self._by_token.pop(token or "", None)

    def locked_out(self, name: str) -> bool:
        now = time.time()
        with self._lock:
            recent = [t for t in self._failures.get(name, []) if now - t < LOCKOUT_SECONDS]
            self._failures[name] = recent
            return len(recent) >= FAILURES

    def failed(self, name: str) -> None:
        with self._lock:
            now = time.time()
            if len(self._failures) >= MAX_NAMES:
                self._failures = {n: [t for t in ts if now - t < LOCKOUT_SECONDS] for n, ts in self._failures.items()}
                self._failures = {n: ts for n, ts in self._failures.items() if ts}
            self._failures.setdefault(name, []).append(now)


def same_token(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(str(given), expected)
