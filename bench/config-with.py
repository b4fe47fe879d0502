#!/usr/bin/env python3
"""Prints a train config with JSON overrides merged in, objects field by field as ./rft merges a config
over its defaults: python3 bench/config-with.py CONFIG '{"sft": {"steps": 60}, "out": "/tmp/x"}'"""
import json
import sys


def merge(base, over):
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            merge(base[k], v)
        else:
            base[k] = v
    return base


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    print(json.dumps(merge(json.load(open(sys.argv[1])), json.loads(sys.argv[2]))))
