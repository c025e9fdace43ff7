#!/usr/bin/env python3
"""Throughput and latency of an OpenAI-compatible server under C concurrent clients.

Each client sends R chat requests in a row (temperature 0, max_tokens M, prompts from a
fixed list, one conversation each); prints aggregate completion tokens per second (all
clients' completion tokens / wall time) and request latency p50/p99. Standard library
only. Used by scripts/bench-server.sh for llamaswift-server and llama-server alike.

  bench-server.py PORT CLIENTS [REQUESTS_PER_CLIENT] [MAX_TOKENS]
"""
import http.client
import json
import statistics
import sys
import threading
import time

PROMPTS = [
    "Write a short story about a robot who learns to paint.",
    "Explain how a bicycle works.",
    "Describe the water cycle.",
    "Write a poem about autumn leaves.",
    "What are the benefits of regular exercise?",
    "Explain photosynthesis to a child.",
    "Describe a day in the life of a lighthouse keeper.",
    "Why is the sky blue?",
]


def main():
    port, clients = int(sys.argv[1]), int(sys.argv[2])
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    max_tokens = int(sys.argv[4]) if len(sys.argv) > 4 else 128
    latencies, tokens, errors = [], [], []
    lock = threading.Lock()

    def client(i):
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        for r in range(reps):
            body = json.dumps({"model": "m", "messages": [{"role": "user", "content": PROMPTS[(i + r) % len(PROMPTS)]}],
                               "temperature": 0, "max_tokens": max_tokens})
            t0 = time.monotonic()
            c.request("POST", "/v1/chat/completions", body=body, headers={"Content-Type": "application/json"})
            resp = c.getresponse()
            data = resp.read()
            dt = time.monotonic() - t0
            with lock:
                if resp.status != 200:
                    errors.append(resp.status)
                    continue
                latencies.append(dt)
                tokens.append(json.loads(data)["usage"]["completion_tokens"])
        c.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.monotonic() - t0
    lat = sorted(latencies)
    p99 = lat[min(len(lat) - 1, int(round(0.99 * (len(lat) - 1))))]
    print(json.dumps({"clients": clients, "requests": len(lat), "errors": errors, "completion_tokens": sum(tokens),
                      "wall_s": round(wall, 3), "tokens_per_s": round(sum(tokens) / wall, 2),
                      "p50_s": round(statistics.median(lat), 3), "p99_s": round(p99, 3)}))


if __name__ == "__main__":
    main()
