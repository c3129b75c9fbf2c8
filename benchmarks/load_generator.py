"""A small HTTP load generator for bench_webhooks.py when wrk is not installed.

Closed loop (`--connections N`: N requests in flight, as fast as answered) or open loop
(`--rate R`: R requests a second on a fixed schedule, latency counted from the scheduled
time, so a stalled server cannot hide its queueing). Prints one JSON line.

    load_generator.py URL BODY_FILE SIGNATURE --seconds S (--connections N | --rate R)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from pathlib import Path

import aiohttp


async def run(args: argparse.Namespace, body: bytes) -> dict[str, float]:
    prefix = os.urandom(4).hex()
    counter = 0
    latencies: list[float] = []
    failures = 0
    connector = aiohttp.TCPConnector(limit=max(args.connections, 1))
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(scheduled: float) -> None:
            nonlocal counter, failures
            counter += 1
            headers = {
                "Content-Type": "application/json",
                "X-GitHub-Event": "push",
                "X-GitHub-Delivery": f"{prefix}-{counter}",
                "X-Hub-Signature-256": args.signature,
            }
            async with session.post(args.url, data=body, headers=headers) as resp:
                await resp.read()
                if resp.status >= 300:
                    failures += 1
            latencies.append(time.perf_counter() - scheduled)

        start = time.perf_counter()
        end = start + args.seconds
        if args.rate:
            tasks = []
            n = 0
            while True:
                scheduled = start + n / args.rate
                if scheduled >= end:
                    break
                delay = scheduled - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
                tasks.append(asyncio.create_task(one(scheduled)))
                n += 1
            await asyncio.gather(*tasks)
        else:

            async def loop() -> None:
                while time.perf_counter() < end:
                    await one(time.perf_counter())

            await asyncio.gather(*(loop() for _ in range(args.connections)))
        elapsed = time.perf_counter() - start
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

    return {
        "requests": len(latencies),
        "per_second": len(latencies) / elapsed,
        "p50_ms": pct(0.50),
        "p99_ms": pct(0.99),
        "non_2xx": failures,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("url")
    parser.add_argument("body")
    parser.add_argument("signature")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--rate", type=float, default=0)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args, Path(args.body).read_bytes()))))


if __name__ == "__main__":
    main()
