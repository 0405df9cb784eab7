"""Simulated users of the command overview against a running server (``antifraud loadtest``).

Each user is a thread with a ``ServerSession`` of its own.  It arrives at a
random moment within the first poll interval, logs in through the login
form (every third user as the county commander, the others as the bureau
leader), loads the page as a browser does (the shell, Dash's layout and
callback list) and draws the overview of its scope.  Then, until the run
ends, every ``poll_seconds`` it sends the live panel's interval callback and
the page router's request for the view it is on; after each view the
router draws, it sends the anomaly flags' callback, as the browser does when
a view arrives; once between two polls, at
a random moment, it drills: a click on a unit of the map (the navigate
callback, then the router draws the answered URL; always the first time),
or, on a station or now and then, a jump to a random district or station of its scope (the
breadcrumb, a bookmark).  Every request is timed and recorded as a
``Sample``; an error is an answer other than 200, a Dash answer without
content, or no answer (connection error, 30 s timeout).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine, func, select
from sqlalchemy.exc import DBAPIError

from dashboard.bench.dash_protocol import CallFailed, ServerSession, csrf_field, render
from dashboard.bench.interactions import anomaly_flags, live_poll, map_click
from dashboard.domain import OrgUnit, User, Warning

ROLES = ("leader", "leader", "commander")  # user n logs in as ROLES[n % 3]
USERNAMES = tuple(sorted(set(ROLES)))
# the kinds of request, in the order of the report; the target counts the dashboard's own
KINDS = ("login", "page_load", "overview", "live_poll", "anomaly_flags", "map_click", "drill")
TARGET_KINDS = ("overview", "live_poll", "anomaly_flags", "map_click", "drill")
REQUEST_TIMEOUT = 30.0


class NotSeeded(RuntimeError):
    """The database has no demo city to load: ``what`` is ``schema``, ``users`` or ``history``."""

    def __init__(self, what: str) -> None:
        super().__init__(what)
        self.what = what


@dataclass
class LoadPlan:
    """Who logs in, and the units each one's scope can drill into (read from the database)."""

    homes: dict[str, str]                 # username -> the code of the user's unit
    scopes: dict[str, list[str]]          # username -> codes of every unit of the scope
    children: dict[str, list[str]]        # unit code -> codes of the units below it
    warnings: int = 0
    history: tuple[str, str] | None = None  # first and last received_at, ISO

    @classmethod
    def read(cls, engine: Engine, usernames: tuple[str, ...] = USERNAMES) -> LoadPlan:
        try:
            with engine.connect() as conn:
                users = dict(conn.execute(
                    select(User.username, OrgUnit.path).join(OrgUnit, User.unit_id == OrgUnit.id)
                    .where(User.username.in_(usernames), User.is_active.is_(True))).all())
                parent = OrgUnit.__table__.alias("parent")
                units = conn.execute(select(OrgUnit.code, OrgUnit.path, parent.c.code)
                                     .outerjoin(parent, OrgUnit.parent_id == parent.c.id)).all()
                count, first, last = conn.execute(
                    select(func.count(), func.min(Warning.received_at), func.max(Warning.received_at))
                ).one()
        except DBAPIError:
            raise NotSeeded("schema") from None
        if set(users) != set(usernames):
            raise NotSeeded("users")
        if not count:
            raise NotSeeded("history")
        children: dict[str, list[str]] = {}
        for code, _, above in units:
            if above is not None:
                children.setdefault(above, []).append(code)
        scopes = {name: sorted(code for code, path, _ in units
                               if path == home or path.startswith(home + "/"))
                  for name, home in users.items()}
        return cls(homes={name: path.rsplit("/", 1)[-1] for name, path in users.items()},
                   scopes=scopes, children=children, warnings=int(count),
                   history=(first.isoformat(timespec="minutes"), last.isoformat(timespec="minutes")))


@dataclass(frozen=True)
class Sample:
    kind: str
    at: float               # seconds since the run started
    ms: float
    error: str | None = None


@dataclass
class Recorder:
    started: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, began: float, error: str | None) -> None:
        sample = Sample(kind, round(began - self.started, 3),
                        round((time.monotonic() - began) * 1000, 2), error)
        with self._lock:
            self.samples.append(sample)


class LoginRefused(CallFailed):
    """The login did not open a session: ``reason`` ``form_again``, ``second_factor`` or ``no_cookie``."""

    def __init__(self, reason: str, username: str, detail: str) -> None:
        super().__init__(f"login {username}: {detail}")
        self.reason = reason


class StepFailed(Exception):
    """A request of this step failed (already recorded); the user goes on with the next one."""


def _ok(response, expect: int = 200):
    if response.status_code != expect:
        raise CallFailed(f"{response.request.method} {response.request.path_url}: "
                         f"HTTP {response.status_code} {response.text[:200]}")
    return response


def login(session: ServerSession, username: str, password: str, timed=None) -> None:
    """The login form as a browser fills it in; afterwards ``session`` sends Origin and CSRF like Dash.

    ``timed(kind, call)`` wraps each request (default: call it).  ``LoginRefused`` when the
    server answers but opens no session, ``CallFailed`` for any other answer than expected.
    """
    timed = timed or (lambda _kind, call: call())
    form = timed("login", lambda: csrf_field(_ok(session.get("/login")).text))
    session.headers["Origin"] = session.base

    def submit() -> None:
        answer = session.post("/login", data={"username": username, "password": password,
                                              "csrf_token": form})
        target = answer.headers.get("Location", "")
        if answer.status_code == 200:
            raise LoginRefused("form_again", username, "the login form again")
        _ok(answer, 302)
        if "/login" in target:
            raise LoginRefused("second_factor", username, f"a second factor is asked for ({target})")
        cookie = session.cookies.get("_csrf_token")
        if not cookie:
            raise LoginRefused("no_cookie", username, "no _csrf_token cookie")
        session.headers["X-CSRFToken"] = cookie

    timed("login", submit)


class SimulatedUser(threading.Thread):
    def __init__(self, number: int, base: str, password: str, plan: LoadPlan, recorder: Recorder,
                 end: float, poll_seconds: float, stop: threading.Event, seed: int) -> None:
        super().__init__(name=f"loadtest-user-{number}", daemon=True)
        self.username = ROLES[number % len(ROLES)]
        self.base, self.password, self.plan, self.recorder = base, password, plan, recorder
        self.end, self.poll, self.stop = end, poll_seconds, stop
        self.rng = random.Random(seed * 100_003 + number)
        self.unit = plan.homes[self.username]
        self.search = ""
        self.dependencies: list = []

    def timed(self, kind: str, call):
        began, error = time.monotonic(), None
        try:
            return call()
        except CallFailed as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - no answer, or one that could not be read
            error = f"{type(exc).__name__}: {exc}"
        finally:
            self.recorder.add(kind, began, error)
        raise StepFailed(error)

    def wait_until(self, moment: float, past_the_end: bool = False) -> bool:
        """Sleep until ``moment``; False when the run ends (or is stopped) first.

        ``past_the_end``: only a stop cuts the wait short, not the run's end.
        """
        if (moment >= self.end and not past_the_end) or self.stop.is_set():
            return False
        return not self.stop.wait(max(moment - time.monotonic(), 0))

    def run(self) -> None:
        with ServerSession(self.base, REQUEST_TIMEOUT) as session:
            if not self.wait_until(time.monotonic() + self.rng.uniform(0, self.poll)):
                return
            try:
                self.arrive(session)
            except StepFailed:
                return  # recorded; a user who could not log in or load the page stops here
            next_poll = time.monotonic() + self.poll
            # a user who arrived makes one drill and one poll even if the run's time is up (on a
            # slow server arriving can take that long): every kind of request is measured
            first = True
            while True:
                now = time.monotonic()
                if not self.wait_until(now + self.rng.uniform(0.2, 0.8) * max(next_poll - now, 0), first):
                    return
                self.attempt(self.drill, session)
                if not self.wait_until(next_poll, first):
                    return
                self.attempt(self.poll_view, session)
                next_poll, first = max(next_poll + self.poll, time.monotonic()), False

    @staticmethod
    def attempt(step, session) -> None:
        try:
            step(session)
        except StepFailed:
            pass  # recorded; the next step starts from the same view

    def arrive(self, session: ServerSession) -> None:
        login(session, self.username, self.password, self.timed)
        self.timed("page_load", lambda: _ok(session.get("/")))
        self.timed("page_load", lambda: _ok(session.get("/_dash-layout")))
        self.dependencies = self.timed("page_load", lambda: _ok(session.get("/_dash-dependencies")).json())
        self.draw_view(session, "overview", self.search, self.unit)

    def draw_view(self, session: ServerSession, kind: str, search: str, unit: str) -> None:
        """The router draws the view of ``unit`` (``search``), the user is on it; then its anomaly flags."""
        self.timed(kind, lambda: render(session, "/", search))
        self.unit, self.search = unit, search
        self.timed("anomaly_flags", lambda: anomaly_flags(session, self.dependencies, unit))

    def poll_view(self, session: ServerSession) -> None:
        self.timed("live_poll", lambda: live_poll(session, self.dependencies, self.unit))
        self.draw_view(session, "overview", self.search, self.unit)

    def drill(self, session: ServerSession) -> None:
        below = self.plan.children.get(self.unit, [])
        if below and (not self.search or self.rng.random() < 0.75):  # the first drill is a click
            target = self.rng.choice(below)
            search = self.timed("map_click", lambda: map_click(session, self.dependencies, self.unit, target))
        else:
            others = [code for code in self.plan.scopes[self.username] if code != self.unit]
            target = self.rng.choice(others or [self.unit])
            search = f"?unit={target}&period=month"
        self.draw_view(session, "drill", search, target)


def run_load(base: str, password: str, plan: LoadPlan, users: int, seconds: float,
             poll_seconds: float, seed: int = 1) -> dict:
    """``users`` simulated users for ``seconds``: every request's ``Sample`` and the wall time."""
    recorder, stop = Recorder(), threading.Event()
    end = recorder.started + seconds
    crowd = [SimulatedUser(n, base, password, plan, recorder, end, poll_seconds, stop, seed)
             for n in range(users)]
    for user in crowd:
        user.start()
    try:
        for user in crowd:
            user.join()
    except KeyboardInterrupt:
        stop.set()
        for user in crowd:
            user.join(REQUEST_TIMEOUT + 5)
        raise
    return {"samples": sorted(recorder.samples, key=lambda s: s.at),
            "seconds": round(time.monotonic() - recorder.started, 3)}
