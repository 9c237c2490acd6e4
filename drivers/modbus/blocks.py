"""Block coalescing: which requests read a set of tags in the fewest round trips.

Tags of one table are sorted by address and packed greedily into blocks no longer than the
protocol allows (125 registers, 2000 bits), reading through gaps of at most ``max_gap`` unused
addresses. Within those rules the left-to-right greedy packing gives the fewest requests.
``holes`` are address ranges a block must not cover (learned from "illegal data address"
answers: a gap in the device's map, or a tag that does not exist).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: Most registers / bits one read request may ask for (Modbus application protocol v1.1b3).
MAX_REGISTERS = 125
MAX_BITS = 2000

BIT_TABLES = frozenset({"coil", "discrete"})
FUNCTION_CODES = {"coil": 1, "discrete": 2, "holding": 3, "input": 4}


@dataclass(frozen=True, slots=True)
class Span:
    """One tag's footprint in a table: ``count`` addresses from ``start``."""

    index: int
    start: int
    count: int

    @property
    def end(self) -> int:
        return self.start + self.count


@dataclass(slots=True)
class Block:
    """One read request and the tags it serves."""

    table: str
    start: int
    count: int
    members: list[Span]

    @property
    def end(self) -> int:
        return self.start + self.count


def plan_blocks(
    table: str,
    spans: Iterable[Span],
    *,
    max_gap: int,
    max_block: int,
    holes: Sequence[tuple[int, int]] = (),
) -> list[Block]:
    """Pack ``spans`` into blocks; ``holes`` are ``(start, end)`` ranges, end exclusive."""
    blocks: list[Block] = []
    current: Block | None = None
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if current is not None and _fits(current, span, max_gap, max_block, holes):
            current.count = max(current.end, span.end) - current.start
            current.members.append(span)
            continue
        current = Block(table, span.start, span.count, [span])
        blocks.append(current)
    return blocks


def _fits(
    block: Block, span: Span, max_gap: int, max_block: int, holes: Sequence[tuple[int, int]]
) -> bool:
    end = max(block.end, span.end)
    if span.start - block.end > max_gap or end - block.start > max_block:
        return False
    return not any(start < end and stop > block.start for start, stop in holes)


def sub_block(table: str, members: list[Span]) -> Block:
    """The tightest block covering ``members``."""
    start = min(s.start for s in members)
    end = max(s.end for s in members)
    return Block(table, start, end - start, list(members))


def minimum_requests(spans: Iterable[Span], *, max_gap: int, max_block: int) -> int:
    """Fewest requests that can read ``spans`` (an independent count, for checks and benches).

    Dynamic programming over the sorted spans: one block may cover any run of consecutive
    spans whose gaps are within ``max_gap`` and whose extent fits ``max_block``.
    """
    ordered = sorted(spans, key=lambda s: (s.start, s.end))
    n = len(ordered)
    best = [0] + [n + 1] * n
    for first in range(n):
        start = ordered[first].start
        end = ordered[first].end
        for stop in range(first + 1, n + 1):
            span = ordered[stop - 1]
            if stop > first + 1 and span.start - end > max_gap:
                break
            end = max(end, span.end)
            if end - start > max_block:
                break
            best[stop] = min(best[stop], best[first] + 1)
    return best[n]
