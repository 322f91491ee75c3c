"""A watch on the learner's edited model.py: while a request runs, code that does not return (`while True: pass`, a
recursion that never ends) says so from inside, about once a second, through `beat(seconds, line)`: how long the
request has run and which line of the edit is running. The page's worker is blocked while Python runs, so its usual
heartbeat stops; these beats let the page tell an edit that does not return from a dead worker, and name the edit.

Only the edited code is watched: sys.monitoring events (function starts and jumps, which every loop and recursion
makes) on the edited module's code objects alone, so the original model and the engines run untouched and no number
changes. Python before 3.12 (no sys.monitoring) traces the edited code's frames instead.
"""

import sys
import time

BEAT_EVERY_S = 1.0
TOOL_NAME = "microgpt-edit-watch"
CHECK_EVERY = 32                    # events between looks at the clock


def code_objects(code):
    """`code` and every code object nested in it (functions, classes, comprehensions, lambdas)."""
    found = [code]
    for constant in code.co_consts:
        if isinstance(constant, type(code)):
            found.extend(code_objects(constant))
    return found


def line_at(code, offset):
    """The source line of the instruction at `offset` in `code`."""
    for start, end, line in code.co_lines():
        if start <= offset < end and line is not None:
            return line
    return code.co_firstlineno


class Watch:
    def __init__(self, clock=time.monotonic):
        self.clock = clock
        self.beat = None            # beat(seconds, line), set by the host; None: nobody listens
        self.since = None           # when the current request began; None between requests
        self.next_beat = 0.0
        self.count = 0
        self.files = set()          # the edited code's file names (the fallback's filter: equal code objects compare
                                    # equal whatever their file, so the original model's would pass for the edit's)
        self.tool = None
        monitoring = getattr(sys, "monitoring", None)
        if monitoring is not None:
            for tool in (4, 3, 5):
                if monitoring.get_tool(tool) is None:
                    monitoring.use_tool_id(tool, TOOL_NAME)
                    events = monitoring.events
                    monitoring.register_callback(tool, events.PY_START, self._started)
                    monitoring.register_callback(tool, events.JUMP, self._jumped)
                    self.tool = tool
                    break

    def watch(self, code):
        """Watch the edited module compiled as `code` (before it runs)."""
        self.files.add(code.co_filename)
        for each in code_objects(code):
            if self.tool is not None:
                sys.monitoring.set_local_events(self.tool, each,
                                                sys.monitoring.events.PY_START | sys.monitoring.events.JUMP)
        self._trace()

    def begin(self):
        """A request starts: its time counts from now."""
        self.since = self.clock()
        self.next_beat = self.since + BEAT_EVERY_S
        self._trace()

    def end(self):
        if self.tool is None and self.since is not None and sys.gettrace() == self._traced:
            sys.settrace(None)
        self.since = None

    def _started(self, code, offset):
        self._tick(code, offset)

    def _jumped(self, code, offset, destination):
        self._tick(code, offset)

    def _tick(self, code, offset):
        if self.since is None or self.beat is None:
            return
        self.count += 1
        if self.count % CHECK_EVERY:
            return
        now = self.clock()
        if now < self.next_beat:
            return
        self.next_beat = now + BEAT_EVERY_S
        try:
            self.beat(now - self.since, line_at(code, offset))
        except Exception:       # the host's trouble is not the edit's; the next beat tries again
            pass

    def _trace(self):
        if self.tool is None and self.since is not None and self.files and self.beat is not None:
            sys.settrace(self._traced)

    # Before 3.12: a trace function on the edited code's frames (calls and lines), none on any other.
    def _traced(self, frame, event, arg):
        if frame.f_code.co_filename not in self.files:
            return None
        self._tick(frame.f_code, frame.f_lasti)
        return self._line

    def _line(self, frame, event, arg):
        if event == "line":
            self._tick(frame.f_code, frame.f_lasti)
        return self._line


WATCH = Watch()
