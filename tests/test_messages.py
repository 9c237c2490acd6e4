"""Messages are data (an id and parameters) rendered in the reader's language when shown."""

from __future__ import annotations

from app.messages import CATALOGUE, Message
from app.model import Event, EventKind, Severity


def test_an_event_says_what_happened_from_its_facts() -> None:
    event = Event(
        1.0,
        EventKind.COMM_LOSS,
        "washer",
        {"fault": "timeout", "detail": "no answer to holding 0+4: [Input/Output] ..."},
        Severity.ERROR,
        source_title="Conveyor washer",
    )
    assert event.message.id == "event.comm_loss"
    assert event.text == "Conveyor washer: communication lost (no answer)"


def test_rendering_uses_the_readers_translator_for_template_and_fault() -> None:
    korean = {
        CATALOGUE["event.comm_loss"]: "{device}: 통신 두절 ({fault_text})",
        "no answer": "응답 없음",
    }
    message = Message("event.comm_loss", {"device": "세척기", "fault": "timeout"})
    assert message.render(lambda text: korean.get(text, text)) == "세척기: 통신 두절 (응답 없음)"


def test_a_message_survives_the_database_round_trip() -> None:
    message = Message("event.part_scanned", {"device": "Leak tester", "serial": "P-77"})
    again = Message.from_dict(message.to_dict())
    assert again == message
    assert again.render() == "Leak tester: part P-77 scanned"


def test_unknown_ids_and_missing_parameters_never_raise() -> None:
    assert Message("event.part_scanned", {"device": "x"}).render() == "x: part {serial} scanned"
    assert Message("no.such.id", {"a": 1}).render() == "no.such.id {'a': 1}"


def test_every_event_kind_has_a_message() -> None:
    for kind in EventKind:
        assert any(key == f"event.{kind}" or key.startswith(f"event.{kind}.") for key in CATALOGUE)
