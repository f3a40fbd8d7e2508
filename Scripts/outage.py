#!/usr/bin/env python3
"""heroform through HERO outages, against the hero-stand-in (release builds, loopback only).

  python3 Scripts/outage.py soak [--minutes 10] [--posters 8] [--rate 200] [--seed N]
      Visitors post leads (--rate per second in all; 0: as fast as heroform answers) while HERO flips between up, failing (500, 429),
      hanging and answering late, and heroform is killed with kill -9 and restarted at random moments. At the end
      HERO stays up until the outbox is empty; then every answered reference must be in HERO (none lost), and
      the script prints how many were doubled, the drain rate and the recovery time. Exit 1 if a lead was lost.

  python3 Scripts/outage.py drain [--backlog 5000] [--hang-posts 10000] [--delay-ms 50]
      The figures for BENCHMARKS.md: a backlog stored while HERO fails drains at what rate once HERO answers
      (50 ms per call); while HERO hangs, how fast POST /leads answers and whether heroform's memory stays flat.
"""
import argparse
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KEY = "outage-key"
SECRET = "outage-secret-0123456789abcdef-0123456789"


def build():
    subprocess.run(["swift", "build", "-c", "release", "--product", "heroform"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(["swift", "build", "-c", "release", "--product", "hero-stand-in"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    path = subprocess.run(["swift", "build", "-c", "release", "--show-bin-path"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout.strip()
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, timeout=90):
    """(status, parsed JSON or text); raises OSError when nobody listens."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        headers = {"Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, text
    finally:
        conn.close()


class StandIn:
    def __init__(self, binaries, delay_ms):
        self.process = subprocess.Popen([os.path.join(binaries, "hero-stand-in"), "0", KEY, str(delay_ms)],
                                        stdout=subprocess.PIPE, text=True)
        line = self.process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)(/\S+)", line)
        if not match:
            raise SystemExit(f"hero-stand-in did not start: {line!r}")
        self.port = int(match.group(1))
        self.endpoint = f"http://127.0.0.1:{self.port}{match.group(2)}"
        self.delay_ms = delay_ms

    def set(self, mode, **extra):
        status, _ = request(self.port, "POST", "/mode", dict(mode=mode, **extra))
        assert status == 200, f"stand-in refused mode {mode}"

    def up(self):
        self.set("slow", ms=self.delay_ms) if self.delay_ms else self.set("up")

    def stats(self):
        return request(self.port, "GET", "/stats")[1]

    def references(self):
        return request(self.port, "GET", "/references", timeout=300)[1]

    def stop(self):
        self.process.terminate()
        self.process.wait()


class Heroform:
    def __init__(self, binaries, work, hero, max_calls=8):
        self.binary = os.path.join(binaries, "heroform")
        self.port = free_port()
        self.config = os.path.join(work, "config.json")
        self.log = open(os.path.join(work, "heroform.log"), "ab")
        with open(self.config, "w") as f:
            json.dump({
                "server": {"port": self.port, "public_dir": os.path.join(ROOT, "Public")},
                "storage": {"data_dir": os.path.join(work, "data")},
                "security": {"min_fill_seconds": 0, "rate_limit": {"submissions": 100000, "per_seconds": 1}},
                "hero": {"endpoint": hero.endpoint, "timeout_seconds": 2, "max_concurrent_calls": max_calls},
                "forms": {"default": {"measure": "DOG", "partner_source": "Outage test"}},
            }, f)
        self.process = None

    def start(self):
        env = dict(os.environ, HERO_API_KEY=KEY, HEROFORM_SECRET=SECRET)
        self.process = subprocess.Popen([self.binary, "serve", "--config", self.config], env=env,
                                        stdout=self.log, stderr=self.log)
        for _ in range(600):
            try:
                if request(self.port, "GET", "/healthz", timeout=2)[0] == 200:
                    return
            except OSError:
                time.sleep(0.05)
        raise SystemExit("heroform did not come up; see heroform.log")

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait()

    def ready(self):
        return request(self.port, "GET", "/readyz", timeout=30)[1]

    def rss_mb(self):
        with open(f"/proc/{self.process.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0


def letters(n):
    """n as a name part: names with digits are refused."""
    text = ""
    while True:
        n, digit = divmod(n, 26)
        text = "abcdefghijklmnopqrstuvwxyz"[digit] + text
        if n == 0:
            return text.capitalize()


class Visitor:
    """Posts one lead: a token, then the lead. Returns (status, reference, seconds for the POST)."""
    counter = 0
    lock = threading.Lock()

    def __init__(self, port):
        self.port = port

    def post(self):
        with Visitor.lock:
            Visitor.counter += 1
            n = Visitor.counter
        status, answer = request(self.port, "GET", "/token?form=default")
        if status != 200:
            return status, None, 0.0
        lead = {"email": f"visitor{n}@example.org", "last_name": f"Besucher {letters(n)}", "zipcode": "30449",
                "consent": True, "message": f"Anfrage {n}", "_token": answer["token"]}
        started = time.monotonic()
        status, answer = request(self.port, "POST", "/leads", lead)
        elapsed = time.monotonic() - started
        reference = answer.get("reference") if isinstance(answer, dict) and status in (200, 202) else None
        return status, reference, elapsed


def post_many(port, count, threads):
    """Posts `count` leads from `threads` visitors; returns (references, latencies, failures)."""
    references, latencies, failures = [], [], [0]
    lock = threading.Lock()
    left = [count]

    def run():
        visitor = Visitor(port)
        while True:
            with lock:
                if left[0] == 0:
                    return
                left[0] -= 1
            try:
                status, reference, elapsed = visitor.post()
            except (OSError, http.client.HTTPException):
                status, reference, elapsed = 0, None, 0.0
            with lock:
                if reference:
                    references.append(reference)
                    latencies.append(elapsed)
                else:
                    failures[0] += 1

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return references, latencies, failures[0]


def percentile(values, p):
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def wait_drained(heroform, hero, limit_seconds):
    """Polls until the outbox has no pending lead; returns (seconds to the first new project, seconds to empty,
    projects created meanwhile)."""
    started = time.monotonic()
    created_at_start = hero.stats()["created"]
    first = None
    while time.monotonic() - started < limit_seconds:
        created = hero.stats()["created"]
        if first is None and created > created_at_start:
            first = time.monotonic() - started
        try:
            pending = heroform.ready()["outbox"]["pending"]
        except (OSError, http.client.HTTPException, KeyError, TypeError):
            pending = -1
        if pending == 0:
            return first or 0.0, time.monotonic() - started, hero.stats()["created"] - created_at_start
        time.sleep(0.1)
    raise SystemExit(f"the outbox did not drain within {limit_seconds} s")


def soak(args, binaries, work):
    rng = random.Random(args.seed)
    hero = StandIn(binaries, 20)
    heroform = Heroform(binaries, work, hero)
    heroform.start()
    answered, refused, kills, modes = [], [0], [0], []
    lock = threading.Lock()
    stop = threading.Event()
    restarting = threading.Lock()

    pause = args.posters / args.rate if args.rate > 0 else 0

    def poster():
        visitor = Visitor(heroform.port)
        while not stop.is_set():
            if pause:
                time.sleep(pause)
            try:
                status, reference, _ = visitor.post()
            except (OSError, http.client.HTTPException):
                time.sleep(0.05)  # heroform is being restarted (or was killed mid-answer)
                continue
            with lock:
                if reference:
                    answered.append(reference)
                else:
                    refused[0] += 1

    def chaos():
        choices = [("up", {}, 45), ("failing", {"status": 500}, 20), ("failing", {"status": 429}, 5),
                   ("hang", {}, 15), ("slow", {"ms": 2500}, 15)]
        next_mode = time.monotonic() + rng.uniform(3, 10)
        next_kill = time.monotonic() + rng.uniform(10, 30)
        while not stop.wait(0.2):
            now = time.monotonic()
            if now >= next_mode:
                name, extra, _ = rng.choices(choices, weights=[c[2] for c in choices])[0]
                hero.set(name, **extra) if name != "up" else hero.up()
                modes.append(name)
                next_mode = now + rng.uniform(3, 10)
            if now >= next_kill:
                with restarting:
                    heroform.kill()
                    kills[0] += 1
                    heroform.start()
                next_kill = now + rng.uniform(10, 30)

    threads = [threading.Thread(target=poster) for _ in range(args.posters)] + [threading.Thread(target=chaos)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + args.minutes * 60
    while time.monotonic() < deadline:
        time.sleep(5)
        with lock:
            print(f"  {int(deadline - time.monotonic()):5d} s left: {len(answered)} answered, "
                  f"{kills[0]} kills, HERO {modes[-1] if modes else 'up'}", flush=True)
    stop.set()
    for t in threads:
        t.join()
    # HERO answers again: everything stored must arrive, without a restart.
    hero.up()
    pending = heroform.ready()["outbox"]["pending"]
    first, drained, created = wait_drained(heroform, hero, 3600)
    counts = hero.references()
    lost = [r for r in set(answered) if r not in counts]
    doubled = sum(n - 1 for n in counts.values() if n > 1)
    heroform.stop()
    hero.stop()
    print(f"soak: {args.minutes} min, {args.posters} visitors ({args.rate or 'unpaced'} leads/s), {kills[0]} × kill -9, "
          f"{len(modes)} HERO mode changes")
    print(f"  answered leads: {len(answered)} (requests not answered with a reference: {refused[0]})")
    print(f"  in HERO: {len(counts)} references; lost: {len(lost)}; doubled: {doubled}")
    print(f"  after HERO came back for good: {pending} pending, first new project after {first:.1f} s, "
          f"empty after {drained:.1f} s ({created} projects, {created / max(drained - first, 0.001):.0f}/s)")
    if lost:
        print(f"  LOST: {lost[:20]}")
        return 1
    return 0


def drain(args, binaries, work):
    hero = StandIn(binaries, args.delay_ms)
    heroform = Heroform(binaries, work, hero)
    heroform.start()
    print(f"drain: HERO stand-in with {args.delay_ms} ms per call, hero.max_concurrent_calls 8")

    # 1. HERO fails while the backlog is stored; then it answers again.
    hero.set("failing", status=503)
    started = time.monotonic()
    references, latencies, failures = post_many(heroform.port, args.backlog, 16)
    took = time.monotonic() - started
    print(f"  stored {len(references)} leads while HERO failed in {took:.1f} s ({failures} not answered); "
          f"POST p50 {percentile(latencies, 50) * 1000:.0f} ms, p99 {percentile(latencies, 99) * 1000:.0f} ms")
    pending = heroform.ready()["outbox"]["pending"]
    hero.up()
    first, drained, created = wait_drained(heroform, hero, 900)
    rate = created / max(drained - first, 0.001)
    print(f"  HERO up again: {pending} pending; first project after {first:.1f} s (the circuit's probe), "
          f"empty after {drained:.1f} s; drain {rate:.0f} leads/s "
          f"(one call at a time would be {1000 / args.delay_ms:.0f}/s)")

    # 2. HERO hangs: accepts and never answers.
    hero.set("hang")
    rss_before = heroform.rss_mb()
    started = time.monotonic()
    references, latencies, failures = post_many(heroform.port, args.hang_posts, 16)
    took = time.monotonic() - started
    rss_after = heroform.rss_mb()
    print(f"  HERO hanging: {len(references)} leads posted in {took:.1f} s ({failures} not answered); "
          f"POST p50 {percentile(latencies, 50) * 1000:.0f} ms, p99 {percentile(latencies, 99) * 1000:.0f} ms, "
          f"max {max(latencies or [0]) * 1000:.0f} ms; RSS {rss_before:.1f} → {rss_after:.1f} MB")
    for _ in range(900):
        if heroform.ready()["hero"]["circuit"] != "closed":
            break
        time.sleep(0.1)
    circuit = heroform.ready()["hero"]["circuit"]
    references, latencies, failures = post_many(heroform.port, 1000, 16)
    print(f"  circuit {circuit}: 1000 more posts, POST p50 {percentile(latencies, 50) * 1000:.0f} ms, "
          f"p99 {percentile(latencies, 99) * 1000:.0f} ms, max {max(latencies or [0]) * 1000:.0f} ms; "
          f"RSS {heroform.rss_mb():.1f} MB")
    pending = heroform.ready()["outbox"]["pending"]
    hero.up()
    first, drained, created = wait_drained(heroform, hero, 900)
    print(f"  HERO up again: {pending} pending; first project after {first:.1f} s, empty after {drained:.1f} s; "
          f"drain {created / max(drained - first, 0.001):.0f} leads/s")
    heroform.stop()
    hero.stop()
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("soak")
    s.add_argument("--minutes", type=float, default=10)
    s.add_argument("--posters", type=int, default=8)
    s.add_argument("--rate", type=float, default=200)
    s.add_argument("--seed", type=int, default=None)
    d = sub.add_parser("drain")
    d.add_argument("--backlog", type=int, default=5000)
    d.add_argument("--hang-posts", type=int, default=10000)
    d.add_argument("--delay-ms", type=int, default=50)
    args = parser.parse_args()
    binaries = build()
    work = tempfile.mkdtemp(prefix="heroform-outage-")
    try:
        code = (soak if args.command == "soak" else drain)(args, binaries, work)
    finally:
        if os.environ.get("KEEP_WORK"):
            print(f"  work dir kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    sys.exit(code)


if __name__ == "__main__":
    main()
