"""Ogg pages as libsndfile writes them: a fixed stream serial (libsndfile draws a random one, so
the same audio would give different bytes on each run) and the audio bandwidth of each Opus
packet (what a listener can still hear of the top of the band).

An Ogg page (RFC 3533): ``OggS``, version, flags, granule position (8 bytes), stream serial
(4, at byte 14), page number (4), CRC (4, at byte 22: CRC-32 with polynomial 0x04C11DB7, not
reflected, initial value and final XOR 0, over the page with this field zeroed), the number of
segments, their lacing values, then the segments.
"""

from __future__ import annotations

import struct
import zlib

CAPTURE = b"OggS"
SERIAL_AT, CRC_AT, SEGMENTS_AT = 14, 22, 26

# the Opus TOC byte's configuration (its top 5 bits) to the coded audio bandwidth in Hz
# (RFC 6716, 3.1): SILK narrow-, medium-, wideband; hybrid super-wide-, fullband; CELT
_OPUS_BANDWIDTHS = (4000,) * 4 + (6000,) * 4 + (8000,) * 4 + (12000,) * 2 + (20000,) * 2
_OPUS_BANDWIDTHS += (4000,) * 4 + (8000,) * 4 + (12000,) * 4 + (20000,) * 4

_REVERSED = bytes(int(f"{b:08b}"[::-1], 2) for b in range(256))


def crc(data: bytes) -> int:
    """The Ogg CRC of ``data``: zlib's (reflected) CRC-32 of the bit-reversed bytes, with its
    initial and final XOR undone, bit-reversed back (the same polynomial, in C)."""
    reflected = zlib.crc32(data.translate(_REVERSED), 0xFFFFFFFF) ^ 0xFFFFFFFF
    return int(f"{reflected:032b}"[::-1], 2)


def pages(data: bytes) -> list[tuple[int, int]]:
    """``(start, length)`` of each page of the Ogg stream ``data``; a stream that is not a run
    of whole pages raises ValueError."""
    found, at = [], 0
    while at < len(data):
        if data[at : at + 4] != CAPTURE or len(data) < at + SEGMENTS_AT + 1:
            raise ValueError(f"no Ogg page at byte {at} of {len(data)}")
        count = data[at + SEGMENTS_AT]
        lacing = data[at + SEGMENTS_AT + 1 : at + SEGMENTS_AT + 1 + count]
        length = SEGMENTS_AT + 1 + count + sum(lacing)
        if len(lacing) < count or at + length > len(data):
            raise ValueError(f"the Ogg page at byte {at} runs past the end ({len(data)} bytes)")
        found.append((at, length))
        at += length
    return found


def with_serial(data: bytes, serial: int) -> bytes:
    """The Ogg stream ``data`` with every page's stream serial set to ``serial`` (an unsigned
    32-bit number) and its CRC recomputed: one logical stream, as libsndfile writes."""
    out = bytearray(data)
    for start, length in pages(data):
        struct.pack_into("<I", out, start + SERIAL_AT, serial)
        struct.pack_into("<I", out, start + CRC_AT, 0)
        struct.pack_into("<I", out, start + CRC_AT, crc(bytes(out[start : start + length])))
    return bytes(out)


def packets(data: bytes) -> list[bytes]:
    """The packets of a one-stream Ogg file, in order (a packet may span pages)."""
    found, current = [], bytearray()
    for start, _ in pages(data):
        count = data[start + SEGMENTS_AT]
        at = start + SEGMENTS_AT + 1 + count
        for lace in data[start + SEGMENTS_AT + 1 : start + SEGMENTS_AT + 1 + count]:
            current += data[at : at + lace]
            at += lace
            if lace < 255:
                found.append(bytes(current))
                current = bytearray()
    return found


def opus_bandwidths(data: bytes) -> list[int]:
    """The audio bandwidth (Hz: 4000 narrowband … 20000 fullband) each audio packet of an Ogg
    Opus file was coded with (its TOC byte), after the two header packets."""
    found = packets(data)
    if not found or not found[0].startswith(b"OpusHead"):
        raise ValueError("not an Ogg Opus stream (its first packet is no OpusHead)")
    return [_OPUS_BANDWIDTHS[p[0] >> 3] for p in found[2:] if p]
