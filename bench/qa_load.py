"""Load part of the busiest hour: attendees asking and voting in one talk's Q&A.

``askers`` attendees each ask a question every ``ask_every`` s and ``voters`` attendees
each vote every ``vote_every`` s for a question they have not voted for yet, through the
same form posts the session page's script makes (JSON answers, CSRF header, each from
its own address so the per-address question limit counts people apart). One observer
sits on the talk's socket like every open session page: the time from sending a question
to the observer seeing it in a ``questions`` event is the Q&A delivery latency.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

from bench.exhibitor_load import client, csrf_of, start_all
from bench.pages import quantile

JSON = {"Accept": "application/json"}


@dataclass
class QaStats:
    asked: dict[int, float] = field(default_factory=dict)  # question id -> sent at
    seen: dict[int, float] = field(default_factory=dict)  # question id -> first event
    ask_ms: list[float] = field(default_factory=list)
    vote_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    events: int = 0
    known: list[int] = field(default_factory=list)  # question ids of the latest event

    def summary(self) -> dict[str, Any]:
        delivery = [
            (self.seen[qid] - sent) * 1000 for qid, sent in self.asked.items() if qid in self.seen
        ]

        def p(values: list[float], q: float) -> float | None:
            return round(quantile(values, q), 1) if values else None

        return {
            "questions": len(self.asked),
            "votes": len(self.vote_ms),
            "ask_p95_ms": p(self.ask_ms, 0.95),
            "vote_p95_ms": p(self.vote_ms, 0.95),
            "delivery_p50_ms": p(delivery, 0.5),
            "delivery_p95_ms": p(delivery, 0.95),
            "not_delivered": len(self.asked) - len(delivery),
            "events": self.events,
            "errors": len(self.errors),
            "first_errors": self.errors[:5],
        }


async def observe(port: int, session_id: int, stats: QaStats, stop: asyncio.Event) -> None:
    """Reads the talk's socket like an open session page; notes when questions appear."""
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/ws/sessions/{session_id}",
        additional_headers={"X-Forwarded-For": "10.100.255.1"},
        max_size=None,
    ) as socket:
        while not stop.is_set():
            try:
                frame = await asyncio.wait_for(socket.recv(), 0.5)
            except TimeoutError:
                continue
            now = time.time()
            payload = json.loads(frame)
            for event in payload if isinstance(payload, list) else [payload]:
                if isinstance(event, dict) and event.get("type") == "questions":
                    stats.events += 1
                    stats.known = [item["id"] for item in event["items"]]
                    for qid in stats.known:
                        stats.seen.setdefault(qid, now)


class Attendee:
    """An anonymous attendee with the session page's cookie and CSRF token."""

    def __init__(self, port: int, address: str, session_id: int) -> None:
        self.http = client(port, address)
        self.session_id = session_id
        self.token = ""
        self.voted: set[int] = set()

    async def start(self) -> None:
        self.token = await csrf_of(self.http, f"/sessions/{self.session_id}")

    async def _post(self, path: str, data: dict[str, str], stats: QaStats) -> Any:
        began = time.perf_counter()
        try:
            response = await self.http.post(
                path, data=data, headers={**JSON, "X-CSRF-Token": self.token}
            )
        except httpx.HTTPError as error:
            stats.errors.append(f"{path}: {type(error).__name__}: {error}")
            return None
        took = (time.perf_counter() - began) * 1000
        if response.status_code != 200:
            stats.errors.append(f"{path}: {response.status_code} {response.text[:120]!r}")
            return None
        return took, response.json()

    async def ask(self, stats: QaStats, number: int) -> None:
        sent = time.time()
        body = f"Frage {number}: Wie geht es nach der Messe weiter?"
        result = await self._post(
            f"/sessions/{self.session_id}/questions",
            {"author_name": f"Gast {number}", "body": body},
            stats,
        )
        if result is not None:
            stats.ask_ms.append(result[0])
            stats.asked[int(result[1]["question"]["id"])] = sent

    async def vote(self, stats: QaStats) -> None:
        choices = [qid for qid in stats.known if qid not in self.voted]
        if not choices:
            return
        qid = random.choice(choices)
        self.voted.add(qid)
        result = await self._post(f"/sessions/{self.session_id}/questions/{qid}/vote", {}, stats)
        if result is not None:
            stats.vote_ms.append(result[0])


async def _every(seconds: float, every: float, action: Any) -> None:
    start = time.monotonic()
    at = start + random.uniform(0, every)
    while at < start + seconds:
        await asyncio.sleep(max(0.0, at - time.monotonic()))
        await action()
        at += every * random.uniform(0.8, 1.2)


async def prepare_attendees(port: int, session_id: int, count: int) -> list[Attendee]:
    attendees = [
        Attendee(port, f"10.100.{i // 250}.{i % 250 + 1}", session_id) for i in range(count)
    ]
    await start_all([a.start() for a in attendees], 16)
    return attendees


async def questions_and_votes(
    port: int, session_id: int, attendees: list[Attendee], seconds: float, args: Any
) -> dict[str, Any]:
    stats = QaStats()
    stop = asyncio.Event()
    observer = asyncio.create_task(observe(port, session_id, stats, stop))
    counter = iter(range(1, 1_000_000))
    askers, voters = attendees[: args.qa_askers], attendees[args.qa_askers :]
    await asyncio.gather(
        *(_every(seconds, args.ask_every, lambda a=a: a.ask(stats, next(counter))) for a in askers),
        *(_every(seconds, args.vote_every, lambda a=a: a.vote(stats)) for a in voters),
    )
    await asyncio.sleep(3)  # the last questions' events are still on their way
    stop.set()
    try:
        await observer
    except Exception as error:  # reported with the figures, not raised mid-run
        stats.errors.append(f"observer: {type(error).__name__}: {error}")
    for attendee in attendees:
        await attendee.http.aclose()
    return {"askers": len(askers), "voters": len(voters), **stats.summary()}
