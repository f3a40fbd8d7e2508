#!/usr/bin/env python3
"""Holds N idle keep-alive connections to a server (each has made one request) and measures /healthz latency
on fresh connections meanwhile. Prints one RESULT line: held, p50, p99, max (ms), failures."""
import asyncio
import sys
import time

HOST = "127.0.0.1"


async def one_request(reader, writer, path="/healthz"):
    writer.write(f"GET {path} HTTP/1.1\r\nHost: bench\r\n\r\n".encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    await reader.readexactly(length)
    return head.split(b" ")[1]


async def main(port, count, probes):
    held = []
    failures = 0
    batch = 500
    for start in range(0, count, batch):
        async def open_one():
            reader, writer = await asyncio.open_connection(HOST, port)
            await one_request(reader, writer)
            return reader, writer
        results = await asyncio.gather(*[open_one() for _ in range(min(batch, count - start))], return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                failures += 1
            else:
                held.append(result)
    latencies = []
    for _ in range(probes):
        started = time.perf_counter()
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection(HOST, port), 5)
            status = await asyncio.wait_for(one_request(reader, writer), 5)
            writer.close()
            if status != b"200":
                failures += 1
        except Exception:
            failures += 1
        latencies.append((time.perf_counter() - started) * 1000)
        await asyncio.sleep(0.01)
    latencies.sort()
    p50 = latencies[len(latencies) // 2]
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    # Still open? Idle keep-alive connections must survive the probe period.
    alive = 0
    for reader, writer in held[:: max(1, len(held) // 200)]:
        try:
            if await asyncio.wait_for(one_request(reader, writer), 5) == b"200":
                alive += 1
        except Exception:
            pass
    print(f"RESULT held={len(held)} p50={p50:.2f} p99={p99:.2f} max={latencies[-1]:.2f} failures={failures} "
          f"sampled_alive={alive}/{len(held[:: max(1, len(held) // 200)])}", flush=True)
    if len(sys.argv) > 4:
        # Keep them open while the caller reads the server's memory.
        print("HOLDING", flush=True)
        await asyncio.sleep(float(sys.argv[4]))
    for _, writer in held:
        writer.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])))
