#!/usr/bin/env python3
"""Prints the table of src/math/exp.rs: 2^(j/128) for j = 0..127, each as
(tail, bits - (j << 45)) where bits is 2^(j/128) rounded to the nearest f64
and tail the relative error of that rounding (as an f64). Computed with the
decimal module at 60 significant digits, so every entry is exact to the bit.

    python3 tools/exp_table.py > /tmp/table.rs
"""
import struct
from decimal import Decimal, getcontext

getcontext().prec = 60
N = 128


def bits(x: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", x))[0]


ln2 = Decimal(2).ln()
print("/// 2^(j/128), j = 0..127, as (tail, bits − (j << 45)) pairs: printed by")
print("/// tools/exp_table.py (exact to the bit).")
print("#[rustfmt::skip]")
print("static TABLE: [u64; 256] = [")
for j in range(N):
    v = (ln2 * j / N).exp()
    r = float(v)
    tail = float((v - Decimal(r)) / Decimal(r))
    print(f"    0x{bits(tail):016x}, 0x{(bits(r) - (j << 45)) % 2**64:016x},")
print("];")
