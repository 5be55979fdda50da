"""Play a seat in a real browser: ``negsim-dashboard``'s ``/seat`` page in headless Chromium.

The server (the fixture of ``test_dashboard_browser.py``, started in a temporary folder) serves
the seat page. The browser refuses a missing world on the page, takes the US's seat in world 3
under ``alternating``, plays every round to the end (accepting and refusing in turn, and
offering the open door whenever it is the US's turn to propose), and checks the end screen
against the same game played here in Python: the placement among the agent-played worlds and
the round-by-round differences. The result must be in the class store, once, and on the
teacher's ``/debrief`` page. Every request stays on the loopback interface.
"""

from __future__ import annotations

import pytest

from sim import api
from sim.teaching.seat import SeatGame, placement_words, reference_summary
from sim.teaching.seat_store import DEFAULT_PATH, SeatStore
from tests.teaching.test_dashboard_browser import (  # noqa: F401 (the fixture is used by name)
    CHROMIUM,
    FLAGS,
    START_TIMEOUT,
    dashboard_url,
    is_loopback,
    require,
)

WORLD, ACTOR, PROTOCOL = 3, "us", "alternating"
STEP_TIMEOUT = START_TIMEOUT * 1000  # ms for a click's answer: the first seated round compiles the round for a seated State


def vote_in(t: int) -> bool:
    """The scripted student: accept in odd rounds, refuse in even ones."""
    return t % 2 == 1


def offer_for(game: SeatGame) -> list[str]:
    """The scripted student's offer: the text on the table with the open door."""
    offer = list(game.view()["text"])
    offer[[item.name for item in game.scenario.items].index("nato_membership")] = "open_door"
    return offer


def played_here() -> tuple[SeatGame, dict]:
    scenario, protocol, *_ = api.build(api.compose("lieven_2022", PROTOCOL))
    game = SeatGame(scenario, protocol, 0, WORLD, ACTOR)
    while not game.finished:
        game.play(vote_in(game.t), offer_for(game) if game.proposes() else None)
    return game, game.result(reference_summary(scenario, protocol, 0), "test-session", "Ann")


@pytest.mark.slow
def test_play_a_seat_to_the_end(dashboard_url, tmp_path, tmp_path_factory):  # noqa: F811
    require(CHROMIUM.exists(), f"{CHROMIUM} is missing (apt-get install -y chromium)")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        require(False, "the playwright package is missing (pip install -e '.[test]')")
    game, expected = played_here()
    assert any(c.offer is not None for c in game.choices), "the script should propose at least once"
    requests: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.on("request", lambda request: requests.append(request.url))
            page.on("websocket", lambda websocket: requests.append(websocket.url))
            page.goto(dashboard_url + "seat", timeout=START_TIMEOUT * 1000)
            round_text, end_text = page.locator(".seat-round"), page.locator(".seat-end")
            expect(round_text).to_contain_text("take the seat", timeout=START_TIMEOUT * 1000)

            page.locator(".seat-protocol select").select_option(label=PROTOCOL)
            page.locator(".seat-actor select").select_option(label="US")
            world = page.locator(".seat-world input")
            world.fill("")  # a missing world is refused on the page
            world.press("Enter")
            page.locator(".seat-start button").click()
            expect(page.locator(".seat-error")).to_contain_text("world", timeout=STEP_TIMEOUT)
            world.fill(str(WORLD))
            world.press("Enter")
            page.locator(".seat-student input").fill("Ann")
            page.locator(".seat-student input").press("Enter")
            page.locator(".seat-session input").fill("test-session")
            page.locator(".seat-session input").press("Enter")
            page.locator(".seat-start button").click()
            expect(page.locator(".seat-error")).to_be_hidden(timeout=STEP_TIMEOUT)

            for choice in game.choices:
                expect(round_text).to_contain_text(f"Round {choice.t} of", timeout=STEP_TIMEOUT)
                if choice.offer is not None:
                    expect(round_text).to_contain_text("your turn to propose")
                    page.locator(".seat-offer-nato_membership select").select_option(label="open door")
                page.locator(".seat-accept button" if choice.accepted else ".seat-refuse button").click()
            expect(end_text).to_contain_text("Where your result falls", timeout=STEP_TIMEOUT)
            expect(end_text).to_contain_text(placement_words(expected).replace("**", ""))  # the page's Markdown, as text
            differing = sum(c.differs for c in game.choices)
            expect(end_text).to_contain_text(f"You decided differently from the agent in {differing} of {len(game.choices)} rounds.")
            screenshot = tmp_path / "seat.png"
            page.screenshot(path=str(screenshot), full_page=True)

            page.goto(dashboard_url + "debrief", timeout=START_TIMEOUT * 1000)
            debrief = page.locator(".debrief-table")
            expect(debrief).to_contain_text("Ann", timeout=START_TIMEOUT * 1000)
            expect(debrief).to_contain_text("in US's seat")
        finally:
            browser.close()
    stores = {path.resolve() for path in tmp_path_factory.getbasetemp().glob(f"dashboard*/{DEFAULT_PATH}")}  # the server's folder
    stored = [row for path in stores for row in SeatStore(path).results("test-session")]
    assert len(stored) == 1, stores
    row = stored[0]
    assert {k: row[k] for k in expected if k != "created"} == {k: v for k, v in expected.items()}
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    outside = [url for url in requests if not is_loopback(url)]
    assert not outside, f"requests left the machine: {outside}"
