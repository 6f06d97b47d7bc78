#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Drive an interactive dpdk-testpmd (run under hvsim) by its prompt.

usage: testpmd.py --out FILE --control SOCK --dir DIR --timeout SECS
                  [--done FIFO] -- COMMAND...

COMMAND (hvsim running testpmd -i) gets a terminal. Lines read from stdin:
  CMD                   typed at the testpmd> prompt; the next line waits
                        for the prompt that follows its output
  ?wait EXPR            until EXPR holds in hvsim's live counters (its
                        control socket "stats"; d is the document, gen(KEY,
                        PORT=0) and nic(KEY, NIC=0) read from it)
  ?until CMD => REGEX   CMD typed again until its output matches REGEX
  ?out REGEX            until testpmd's whole output so far matches REGEX
  ?count REGEX N        until N lines of its output match REGEX
  ?done                 "done" written to FIFO (the script may go on)
  !snap NAME            hvsim's counters saved as DIR/NAME.json
  !CMD                  CMD sent to hvsim's control socket, its answer
                        appended to DIR/ctl.log
Each wait gives up after 60 s (TESTPMD_WAIT), saying so in the output. At the end of
stdin testpmd is told to quit. The output, without carriage returns and
terminal escapes, goes to FILE as it comes. The exit status is COMMAND's,
137 when it was killed after SECS.
"""

import argparse
import json
import os
import re
import select
import signal
import sys
import threading
import time

import pexpect

import hvsim_ctl

PROMPT = "testpmd> "
WAIT = int(os.environ.get("TESTPMD_WAIT", "60"))	# seconds a wait may take
ESCAPE = re.compile(rb"\x1b(\[[0-9;?]*[A-Za-z]|[78=>])")


class Log:
    """The terminal's output, cleaned, to FILE and kept for ?out."""

    def __init__(self, path):
        self.file = open(path, "wb")
        self.text = b""
        self.carry = b""

    def write(self, data):
        data = self.carry + data
        esc = data.rfind(b"\x1b")
        self.carry = b""
        if esc >= 0 and not ESCAPE.match(data, esc):
            data, self.carry = data[:esc], data[esc:]
        data = ESCAPE.sub(b"", data).replace(b"\r", b"")
        self.text += data
        self.file.write(data)
        self.file.flush()

    def note(self, what):
        self.write(f"\n# testpmd.py: {what}\n".encode())

    def flush(self):
        pass


class Session:
    def __init__(self, args):
        self.args = args
        self.log = Log(args.out)
        self.deadline = time.monotonic() + args.timeout
        self.child = pexpect.spawn(args.command[0], args.command[1:], timeout=WAIT,
                                   dimensions=(50, 500), logfile=None)
        self.child.logfile_read = self.log
        self.alive = True
        self.prompt()

    def left(self, secs=WAIT):
        return max(0.0, min(secs, self.deadline - time.monotonic()))

    def prompt(self):
        """Wait for the prompt; the output before it is the answer."""
        if not self.alive:
            return ""
        i = self.child.expect_exact([PROMPT, pexpect.EOF, pexpect.TIMEOUT],
                                    timeout=self.left())
        if i == 1:
            self.alive = False
        elif i == 2:
            self.log.note("no prompt within the wait")
        return (self.child.before or b"").decode(errors="replace")

    def type(self, line):
        if self.alive:
            self.child.send(line + "\n")
            return self.prompt()
        return ""

    def drain(self, secs):
        """Read what testpmd prints for up to SECS (it never blocks on us)."""
        if not self.alive:
            time.sleep(secs)
            return
        try:
            self.child.read_nonblocking(1 << 16, timeout=self.left(secs))
        except pexpect.TIMEOUT:
            pass
        except pexpect.EOF:
            self.alive = False

    def poll(self, what, holds):
        """Until holds() is true, draining the output meanwhile."""
        end = time.monotonic() + self.left()
        while not holds():
            if time.monotonic() >= end or not self.alive:
                self.log.note(f"gave up waiting for {what}")
                return
            self.drain(0.1)

    def control(self, line):
        """LINE on hvsim's control socket. hvsim logs the command to the
        terminal before it answers: the output is read meanwhile."""
        answer = []

        def ask():
            try:
                answer.append(hvsim_ctl.command(self.args.control, line))
            except OSError as e:
                answer.append(f"error: {e}\n")

        asking = threading.Thread(target=ask, daemon=True)
        asking.start()
        while asking.is_alive() and time.monotonic() < self.deadline:
            self.drain(0.05)
        return answer[0] if answer else "error: no answer\n"

    def stats_hold(self, expr):
        try:
            d = json.loads(self.control("stats"))
        except ValueError:
            return False
        names = {"d": d,
                 "gen": lambda k, p=0: d["vswitch"]["gen"]["ports"][p][k],
                 "nic": lambda k, i=0: d["nics"][i][k]}
        return bool(eval(expr, names))

    def until(self, spec):
        cmd, regex = (x.strip() for x in spec.split("=>", 1))
        self.poll(f"'{regex}' from '{cmd}'", lambda: re.search(regex, self.type(cmd)))

    def line(self, line, done):
        if line.startswith("?wait "):
            self.poll(line[6:], lambda: self.stats_hold(line[6:]))
        elif line.startswith("?until "):
            self.until(line[7:])
        elif line.startswith("?out "):
            regex = re.compile(line[5:].encode())
            self.poll(line[5:], lambda: regex.search(self.log.text))
        elif line.startswith("?count "):
            regex, count = line[7:].rsplit(" ", 1)
            regex = re.compile(regex.encode())
            self.poll(line[7:], lambda: len(regex.findall(self.log.text)) >= int(count))
        elif line == "?done":
            if done:
                done.write("done\n" if self.alive else "ended\n")
                done.flush()
        elif line.startswith("!snap "):
            with open(os.path.join(self.args.dir, line[6:] + ".json"), "w") as f:
                f.write(self.control("stats"))
        elif line.startswith("!"):
            with open(os.path.join(self.args.dir, "ctl.log"), "a") as f:
                f.write(self.control(line[1:]))
        elif line and not line.startswith("#"):
            self.type(line)

    def lines(self):
        """stdin's lines; testpmd's output is read while none is there."""
        fd = sys.stdin.fileno()
        buf = b""
        while True:
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                yield line.decode()
            ready, _, _ = select.select([fd], [], [], 0)
            if not ready:
                self.drain(0.05)
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                if buf:
                    yield buf.decode()
                return
            buf += chunk

    def finish(self):
        if self.alive:
            self.child.send("quit\n")
            try:
                self.child.expect(pexpect.EOF, timeout=self.left(self.args.timeout))
            except pexpect.TIMEOUT:
                pass
        if self.child.isalive() and time.monotonic() >= self.deadline:
            self.log.note(f"killed after {self.args.timeout} s")
            os.killpg(self.child.pid, signal.SIGKILL)
        self.child.close(force=True)
        if self.child.signalstatus is not None:
            return 128 + self.child.signalstatus
        return self.child.exitstatus


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--control", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--timeout", type=int, required=True)
    ap.add_argument("--done")
    ap.add_argument("command", nargs="+")
    args = ap.parse_args()
    done = open(args.done, "w") if args.done else None
    s = Session(args)
    for line in s.lines():
        s.line(line.strip(), done)
    sys.exit(s.finish())


if __name__ == "__main__":
    main()
