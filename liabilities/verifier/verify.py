#!/usr/bin/env python3
"""An independent verifier of a proof of liabilities, Python 3 with its standard library only.

Usage: verify.py <proof.json> <root hex> [<total>]
Prints VERIFIED, or why not (exit 1). The rules are those of docs/liabilities.md, "Hash and
encoding rules"; they are the module's Verifier's, written again without it.
"""
import hashlib
import json
import struct
import sys


def verify(proof, root_hex, total=None):
    be = lambda n: struct.pack(">q", n)
    amount = int(proof["amount"])
    if amount < 0:
        return "negative amount"
    h = hashlib.sha256(b"leaf" + bytes.fromhex(proof["salt"]) + be(int(proof["user_id"])) + be(amount)).digest()
    s = amount
    for step in proof["path"]:
        sh, ss = bytes.fromhex(step["hash"]), int(step["sum"])
        if ss < 0:
            return "negative sum"
        if step["side"] == "left":
            h = hashlib.sha256(b"node" + sh + be(ss) + h + be(s)).digest()
        else:
            h = hashlib.sha256(b"node" + h + be(s) + sh + be(ss)).digest()
        s += ss
        if s >= 2**63:
            return "overflow"
    if h.hex() != root_hex.lower():
        return "root is " + h.hex()
    if total is not None and s != int(total):
        return "total is " + str(s)
    return "VERIFIED"


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        verdict = verify(json.load(f), sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    print(verdict)
    sys.exit(0 if verdict == "VERIFIED" else 1)
