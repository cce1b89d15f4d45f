#!/usr/bin/env python3
"""End-to-end browser test of Sluice's operator page (Selenium 4 + Debian's headless chromium).

    python3 operator_page_test.py --url http://127.0.0.1:PORT --operator-token TOKEN \
        --edge-token TOKEN --telemetry FILE.json [--screenshots DIR] [--timeout 30]

Exit 0 when every step passes; exit 1 with one line "FAIL step N (name): reason" on stderr when a step
fails (later steps depend on earlier ones, so the run stops there). With --screenshots, a failure also
leaves stepN-failure.png, stepN-failure.html and stepN-console.txt (the browser console) in DIR, and a
passing run leaves final.png.

Needs: chromium and chromedriver on PATH (Debian: apt-get install -y chromium chromium-driver) and the
selenium package. Selenium Manager is never used (driver and browser paths are given), so no network.

The DOM contract the page must meet is listed in CONTRACT below.
"""
import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone

from selenium import webdriver
from selenium.common.exceptions import (StaleElementReferenceException, WebDriverException)
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

CONTRACT = """
/health                          GET -> 200
/ui/sign-in                      form#sign-in > input#token[name=token], button#sign-in-submit[type=submit];
                                 submitting the operator token lands on a URL whose path ends in /ui/queue
/ui/queue                        section#actions, section#recommendations; body[data-live="on"] once the
                                 EventSource is open; li.action items inside section#actions with
                                 data-id, data-state="pending", data-severity (number), data-created (ISO
                                 8601), child .subject and .severity; ordered data-created descending, then
                                 data-severity descending; new actions appear without a reload
keys (on document, not in form fields)  j: select next (first j selects the first li.action, which gets
                                 class "selected"); Enter: open evidence of the selected item; a: approve
                                 the selected item; ?: show #keys
#evidence                        data-id = the open action's id; contains .score (text), svg.sparkline,
                                 .model (text containing "v"), .stage (text), table.snapshot, and
                                 form.reject > select[name=reason] (option value "false-alarm"),
                                 input[name=text], button.reject (the form may instead be inside the li)
click on li.action               opens #evidence for it
after approve / reject           the li leaves section#actions or its data-state is no longer "pending"
/v1/actions/{id}                 GET with Bearer operator token -> {"action": {"state", "decidedBy",
                                 "reasonCode", "reasonText", ...}}
"""

APPROVED_STATES = {"approved", "dispatched", "acknowledged", "failed"}
REJECT_REASON = "false-alarm"
REJECT_TEXT = "wash cycle, not a fault"

# One atomic read of the pending list, so a re-render between two reads cannot give stale elements.
JS_ACTIONS = r"""
var s = document.querySelector('section#actions');
if (!s) return null;
return Array.prototype.map.call(s.querySelectorAll('li.action'), function (li) {
  var sub = li.querySelector('.subject'), sev = li.querySelector('.severity');
  return {id: li.getAttribute('data-id'), state: li.getAttribute('data-state'),
          severity: li.getAttribute('data-severity'), created: li.getAttribute('data-created'),
          selected: li.classList.contains('selected'),
          subject: sub ? sub.textContent.trim() : null, severityText: sev ? sev.textContent.trim() : null};
});
"""

JS_EVIDENCE = r"""
var e = document.querySelector('#evidence');
if (!e) return null;
function txt(sel) { var n = e.querySelector(sel); return n ? n.textContent.trim() : null; }
return {id: e.getAttribute('data-id'), score: txt('.score'), model: txt('.model'), stage: txt('.stage'),
        sparklines: e.querySelectorAll('svg.sparkline').length, snapshot: !!e.querySelector('table.snapshot')};
"""

JS_BLUR = r"""
var a = document.activeElement;
if (a && a !== document.body && a.blur) a.blur();
window.focus();
return document.activeElement ? document.activeElement.tagName : null;
"""

JS_ACTIVE = r"""
var a = document.activeElement;
return a ? (a.tagName.toLowerCase() + (a.name ? '[name=' + a.name + ']' : '') + (a.id ? '#' + a.id : '')) : null;
"""


class StepFailed(Exception):
    pass


def one_line(s, limit=400):
    s = " ".join(str(s).split())
    return s if len(s) <= limit else s[:limit - 3] + "..."


def css_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def parse_time(s):
    try:
        t = datetime.fromisoformat(s.replace("Z", "+00:00").replace("z", "+00:00"))
    except (ValueError, AttributeError):
        raise StepFailed("data-created %r is not an ISO 8601 time" % (s,))
    return t if t.tzinfo else t.replace(tzinfo=timezone.utc)


class OperatorPageTest:
    def __init__(self, args):
        self.a = args
        self.base = args.url.rstrip("/")
        self.timeout = args.timeout
        self.driver = None
        self.t0 = time.monotonic()
        # ignore any http_proxy in the environment: urllib does not bypass it for 127.0.0.1 by itself
        self.http = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        self.before_ids = set()
        self.new_ids = []
        self.raised = None  # ids from the ingest report's "raised", when it has them
        self.approved_id = None
        self.rejected_id = None

    # ---------------------------------------------------------------- helpers
    def say(self, msg):
        print("[%5.1fs] %s" % (time.monotonic() - self.t0, msg), flush=True)

    def request(self, method, path, token=None, body=None, ctype=None):
        req = urllib.request.Request(self.base + path, data=body, method=method)
        if token:
            req.add_header("Authorization", "Bearer " + token)
        if ctype:
            req.add_header("Content-Type", ctype)
        req.add_header("Accept", "application/json")
        try:
            with self.http.open(req, timeout=self.timeout) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except (urllib.error.URLError, OSError) as e:
            raise StepFailed("%s %s failed: %s" % (method, self.base + path, getattr(e, "reason", e)))

    def wait_until(self, fn, what, detail=None, timeout=None):
        """Poll fn() until it returns something truthy; WebDriver errors (a page mid-navigation, an
        element replaced by a re-render) count as 'not yet'."""
        timeout = self.timeout if timeout is None else timeout
        end = time.monotonic() + timeout
        last_err = None
        while True:
            try:
                v = fn()
                if v:
                    return v
            except StepFailed:
                raise
            except WebDriverException as e:
                last_err = one_line(e.msg or e, 150)
            if time.monotonic() >= end:
                extra = ""
                if detail:
                    try:
                        extra = "; " + detail()
                    except Exception as e:  # noqa: BLE001 - only for the message
                        extra = "; (could not read page state: %s)" % one_line(e, 100)
                if last_err:
                    extra += "; last WebDriver error: " + last_err
                raise StepFailed("timed out after %gs waiting for %s%s" % (timeout, what, extra))
            time.sleep(0.1)

    def actions(self):
        return self.driver.execute_script(JS_ACTIONS)

    def actions_summary(self):
        acts = self.actions()
        if acts is None:
            return "no section#actions on %s" % self.driver.current_url
        return "section#actions has %d li.action: %s" % (len(acts), ", ".join(
            "%s[%s%s]" % (x["id"], x["state"], ",selected" if x["selected"] else "") for x in acts[:12]) or "-")

    def keys(self, *keys):
        ActionChains(self.driver).send_keys(*keys).perform()

    def blur(self):
        self.driver.execute_script(JS_BLUR)

    def li(self, action_id):
        return self.driver.find_element(By.CSS_SELECTOR, "section#actions li.action[data-id=%s]" % css_str(action_id))

    def left_pending(self, action_id):
        for x in self.actions() or []:
            if x["id"] == action_id:
                return x["state"] != "pending" and ("state " + str(x["state"]))
        return "gone"

    def status_text(self):
        try:
            return self.driver.execute_script(
                "var s=document.querySelector('#status');return s?s.textContent.trim():null;")
        except WebDriverException:
            return None

    def start_browser(self):
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        chromedriver = shutil.which("chromedriver")
        if not chromium or not chromedriver:
            raise StepFailed("chromium (%s) or chromedriver (%s) not on PATH; apt-get install -y chromium "
                             "chromium-driver" % (chromium, chromedriver))
        opts = webdriver.ChromeOptions()
        opts.binary_location = chromium
        for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                    "--window-size=1280,900", "--no-first-run", "--no-default-browser-check",
                    "--disable-extensions", "--disable-background-networking", "--disable-sync",
                    "--disable-component-update", "--disable-features=Translate,MediaRouter",
                    "--password-store=basic"):
            opts.add_argument(arg)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        if self.a.screenshots:
            os.makedirs(self.a.screenshots, exist_ok=True)
            log = os.path.join(self.a.screenshots, "chromedriver.log")
        else:
            log = os.path.join(tempfile.gettempdir(), "operator-page-chromedriver-%d.log" % os.getpid())
        try:
            self.driver = webdriver.Chrome(service=Service(executable_path=chromedriver, log_output=log),
                                           options=opts)
        except WebDriverException as e:
            raise StepFailed("could not start chromium through chromedriver (log %s): %s" % (log, one_line(e.msg, 250)))
        self.driver.set_page_load_timeout(self.timeout)
        self.driver.set_script_timeout(self.timeout)
        caps = self.driver.capabilities
        self.say("browser started: %s %s, chromedriver %s" % (
            caps.get("browserName"), caps.get("browserVersion"),
            (caps.get("chrome") or {}).get("chromedriverVersion", "?").split(" ")[0]))

    def save_artifacts(self, tag):
        d = self.a.screenshots
        if not d or not self.driver:
            return
        try:
            os.makedirs(d, exist_ok=True)
            png = os.path.join(d, tag + ".png")
            self.driver.save_screenshot(png)
            with open(os.path.join(d, tag + ".html"), "w", encoding="utf-8") as f:
                f.write("<!-- %s -->\n" % self.driver.current_url)
                f.write(self.driver.page_source)
            try:
                logs = self.driver.get_log("browser")
                with open(os.path.join(d, tag + "-console.txt"), "w", encoding="utf-8") as f:
                    for e in logs:
                        f.write("%s %s %s\n" % (e.get("timestamp"), e.get("level"), e.get("message")))
            except WebDriverException:
                pass
            self.say("saved %s(.html, -console.txt)" % png)
        except (OSError, WebDriverException) as e:
            print("could not save artifacts into %s: %s" % (d, one_line(e, 200)), flush=True)

    # ---------------------------------------------------------------- steps
    def step_health(self):
        status, body = self.request("GET", "/health")
        if status != 200:
            raise StepFailed("GET /health answered %d: %s" % (status, one_line(body.decode("utf-8", "replace"), 200)))
        self.say("api is up (GET /health 200)")

    def step_sign_in(self):
        self.start_browser()
        d = self.driver
        d.get(self.base + "/ui/sign-in")
        self.wait_until(lambda: d.find_elements(By.CSS_SELECTOR, "form#sign-in input#token"),
                        "form#sign-in with input#token on /ui/sign-in",
                        lambda: "page %s titled %r" % (d.current_url, d.title))
        token = d.find_element(By.CSS_SELECTOR, "form#sign-in input#token")
        if token.get_attribute("name") != "token":
            raise StepFailed("input#token has name=%r, expected 'token'" % token.get_attribute("name"))
        submit = d.find_elements(By.CSS_SELECTOR, "form#sign-in button#sign-in-submit")
        if not submit:
            raise StepFailed("no button#sign-in-submit inside form#sign-in")
        token.clear()
        token.send_keys(self.a.operator_token)
        submit[0].click()

        def on_queue():
            return urllib.parse.urlsplit(d.current_url).path.endswith("/ui/queue")
        def where():
            err = d.execute_script(
                "var e=document.querySelector('.error,[role=alert]');return e?e.textContent.trim():null;")
            return "still at %s (cookies: %s%s)" % (
                d.current_url, ", ".join(c["name"] for c in d.get_cookies()) or "none",
                "; page says %r" % err if err else "")
        self.wait_until(on_queue, "a URL ending in /ui/queue after signing in", where)
        for sel in ("section#actions", "section#recommendations"):
            self.wait_until(lambda: d.find_elements(By.CSS_SELECTOR, sel), sel + " on /ui/queue",
                            lambda: "page %s titled %r" % (d.current_url, d.title))
        self.say("signed in (at %s, cookies: %s)" % (
            d.current_url, ", ".join(c["name"] for c in d.get_cookies()) or "none"))

    def step_live(self):
        d = self.driver
        self.wait_until(lambda: d.execute_script("return document.body.getAttribute('data-live')") == "on",
                        'body[data-live="on"] (the EventSource to be connected)',
                        lambda: "body data-live=%r" % d.execute_script(
                            "return document.body.getAttribute('data-live')"))
        self.say("page is live (body data-live=on)")

    def settled_actions(self, quiet=0.5):
        """The pending list once it has not changed for `quiet` seconds (it may still be loading)."""
        last, since = None, time.monotonic()
        end = time.monotonic() + self.timeout
        while time.monotonic() < end:
            cur = self.actions()
            if cur != last:
                last, since = cur, time.monotonic()
            elif time.monotonic() - since >= quiet:
                break
            time.sleep(0.1)
        return last

    def step_post_telemetry(self):
        acts = self.settled_actions()
        if acts is None:
            raise StepFailed("section#actions disappeared")
        self.before_ids = {x["id"] for x in acts}
        self.say("%d action(s) pending before telemetry" % len(acts))
        # a marker that a reload or navigation would wipe out
        self.marker = "m%d" % int(time.time() * 1000)
        self.driver.execute_script("window.__sluiceTestMarker = arguments[0];", self.marker)
        try:
            with open(self.a.telemetry, "rb") as f:
                body = f.read()
            json.loads(body)
        except (OSError, ValueError) as e:
            raise StepFailed("cannot use telemetry file %s: %s" % (self.a.telemetry, one_line(e, 200)))
        status, resp = self.request("POST", "/v1/telemetry", token=self.a.edge_token, body=body,
                                    ctype="application/json")
        if status != 200:
            raise StepFailed("POST /v1/telemetry answered %d (expected 200): %s" % (
                status, one_line(resp.decode("utf-8", "replace"), 250)))
        raised = ""
        try:
            rep = json.loads(resp)
        except ValueError:
            rep = None
        if isinstance(rep, dict) and isinstance(rep.get("raised"), list):
            ids = [i for i in rep["raised"] if isinstance(i, str)]
            if len(ids) < 2:
                raise StepFailed("telemetry raised %d item(s) %s; the file must make two assets raise actions"
                                 "%s" % (len(ids), ids, "; rejected: " + one_line(json.dumps(rep.get("rejected")), 200)
                                         if rep.get("rejected") else ""))
            self.raised = set(ids)
            raised = ", raised: %s" % ", ".join(ids)
        self.say("telemetry posted (200%s)" % raised)

    def step_live_actions(self):
        d = self.driver

        def two_new():
            acts = self.actions() or []
            new = [x for x in acts if x["id"] not in self.before_ids and x["state"] == "pending"
                   and (self.raised is None or x["id"] in self.raised)]
            return (acts, new) if len(new) >= 2 else None
        acts, new = self.wait_until(two_new, "2 new pending li.action items in section#actions (no reload)" + (
                                    " among the raised ids" if self.raised else ""),
                                    self.actions_summary)
        if d.execute_script("return window.__sluiceTestMarker || null;") != self.marker:
            raise StepFailed("the page reloaded or navigated instead of updating live")
        for x in new:
            problems = []
            if not x["id"]:
                problems.append("empty data-id")
            try:
                float(x["severity"])
            except (TypeError, ValueError):
                problems.append("data-severity %r is not a number" % (x["severity"],))
            if x["subject"] is None:
                problems.append("no .subject child")
            if x["severityText"] is None:
                problems.append("no .severity child")
            if not x["created"]:
                problems.append("no data-created")
            if problems:
                raise StepFailed("li.action %s: %s" % (x["id"], "; ".join(problems)))
            self.say("action arrived live: %s (subject %r, severity %s, created %s)" % (
                x["id"], x["subject"], x["severity"], x["created"]))
        # order: data-created non-increasing; within equal data-created, data-severity non-increasing
        prev = None
        for x in acts:
            if not x["created"]:
                raise StepFailed("li.action %s has no data-created" % x["id"])
            cur = (parse_time(x["created"]), float(x["severity"]), x["id"])
            if prev:
                if cur[0] > prev[0]:
                    raise StepFailed("list not newest first: %s (created %s) comes after %s (created %s)" % (
                        cur[2], cur[0].isoformat(), prev[2], prev[0].isoformat()))
                if cur[0] == prev[0] and cur[1] > prev[1]:
                    raise StepFailed("same batch not most severe first: %s (severity %g) comes after %s "
                                     "(severity %g)" % (cur[2], cur[1], prev[2], prev[1]))
            prev = cur
        self.new_ids = [x["id"] for x in new]
        self.say("order ok: newest first, most severe first within a batch (%d items)" % len(acts))

    def step_approve_keyboard(self):
        d = self.driver
        self.blur()
        self.keys("j")
        sel = self.wait_until(lambda: next((x for x in self.actions() or [] if x["selected"]), None),
                              'an li.action with class "selected" after pressing j', self.actions_summary)
        first = (self.actions() or [{}])[0].get("id")
        if sel["id"] != first:
            raise StepFailed("first j selected %s, expected the first li.action %s" % (sel["id"], first))
        presses = 1
        while sel["id"] not in self.new_ids:  # older pending items above ours: walk down to a new one
            if presses > len(self.actions() or []) + 1:
                raise StepFailed("pressing j never selected one of the new actions %s" % self.new_ids)
            prev_id = sel["id"]
            self.keys("j")
            presses += 1
            sel = self.wait_until(
                lambda: next((x for x in self.actions() or [] if x["selected"] and x["id"] != prev_id), None),
                "j to move the selection past %s" % prev_id, self.actions_summary)
        target = sel["id"]
        self.say("selected %s with j (%d press%s)" % (target, presses, "" if presses == 1 else "es"))

        self.keys(Keys.RETURN)  # main Enter key (key "Enter", code "Enter"); Keys.ENTER is NumpadEnter

        def evidence_ready():
            e = d.execute_script(JS_EVIDENCE)
            if not e or e["id"] != target:
                return None
            return e if (e["score"] and e["sparklines"] > 0 and e["model"] and "v" in e["model"]
                         and e["stage"] and e["snapshot"]) else None

        def evidence_state():
            e = d.execute_script(JS_EVIDENCE)
            return "no #evidence" if e is None else "#evidence is %s" % json.dumps(e)
        ev = self.wait_until(evidence_ready, "#evidence[data-id=%s] with .score, svg.sparkline, .model "
                             "(containing 'v'), .stage and table.snapshot after Enter" % target, evidence_state)
        self.say("evidence open for %s: score %r, model %r, stage %r, %d sparkline(s)" % (
            target, ev["score"], ev["model"], ev["stage"], ev["sparklines"]))

        active = d.execute_script(JS_ACTIVE)
        if active and active.split("[")[0].split("#")[0] in ("input", "select", "textarea"):
            self.say("note: focus is in %s after Enter; blurring it so 'a' reaches the page" % active)
            self.blur()
        self.keys("a")
        how = self.wait_until(lambda: self.left_pending(target),
                              "%s to leave the pending list after pressing a" % target,
                              lambda: self.actions_summary() + "; #status %r" % self.status_text())
        self.approved_id = target
        st = self.status_text()
        self.say("approved with keyboard: %s (%s%s)" % (target, how, ", status %r" % st if st else ""))

    def step_reject_mouse(self):
        d = self.driver
        candidates = [i for i in self.new_ids if i != self.approved_id]
        pending = {x["id"] for x in self.actions() or [] if x["state"] == "pending"}
        target = next((i for i in candidates if i in pending), None)
        if not target:
            raise StepFailed("none of the new actions %s is still pending to reject; %s" % (
                candidates, self.actions_summary()))

        def click_it():
            el = self.li(target)
            d.execute_script("arguments[0].scrollIntoView({block: 'center'});", el)
            el.click()
            return True
        self.wait_until(click_it, "a clickable li.action[data-id=%s]" % target, self.actions_summary)
        self.wait_until(lambda: (d.execute_script(JS_EVIDENCE) or {}).get("id") == target,
                        "#evidence[data-id=%s] after clicking its li.action" % target,
                        lambda: "#evidence is %s" % json.dumps(d.execute_script(JS_EVIDENCE)))
        self.say("evidence open for %s (clicked)" % target)

        def find_form():
            for sel in ("#evidence form.reject", "section#actions li.action[data-id=%s] form.reject" % css_str(target)):
                for f in d.find_elements(By.CSS_SELECTOR, sel):
                    if f.is_displayed():
                        return f
            return None

        for attempt in range(3):  # the panel may be re-rendered under us by a live update
            try:
                form = self.wait_until(find_form, "a visible form.reject (in #evidence or the li)",
                                       lambda: "#evidence is %s" % json.dumps(d.execute_script(JS_EVIDENCE)))
                selects = form.find_elements(By.CSS_SELECTOR, "select[name=reason]")
                texts = form.find_elements(By.CSS_SELECTOR, "input[name=text]")
                buttons = form.find_elements(By.CSS_SELECTOR, "button.reject")
                missing = [n for n, v in (("select[name=reason]", selects), ("input[name=text]", texts),
                                          ("button.reject", buttons)) if not v]
                if missing:
                    raise StepFailed("form.reject lacks %s" % ", ".join(missing))
                select = Select(selects[0])
                values = [o.get_attribute("value") for o in select.options]
                if REJECT_REASON not in values:
                    raise StepFailed("select[name=reason] has no option value %r (has %s)" % (REJECT_REASON, values))
                select.select_by_value(REJECT_REASON)
                texts[0].clear()
                texts[0].send_keys(REJECT_TEXT)
                typed = texts[0].get_attribute("value")
                if typed != REJECT_TEXT:
                    raise StepFailed("input[name=text] holds %r after typing %r (are key shortcuts eating "
                                     "keystrokes inside form fields?)" % (typed, REJECT_TEXT))
                buttons[0].click()
                break
            except StaleElementReferenceException:
                if attempt == 2:
                    raise StepFailed("form.reject kept being replaced while filling it in")
        how = self.wait_until(lambda: self.left_pending(target),
                              "%s to leave the pending list after clicking button.reject" % target,
                              lambda: self.actions_summary() + "; #status %r" % self.status_text())
        self.rejected_id = target
        self.say("rejected with mouse: %s (%s)" % (target, how))

    def get_action(self, action_id):
        status, body = self.request("GET", "/v1/actions/" + urllib.parse.quote(action_id, safe=""),
                                    token=self.a.operator_token)
        if status != 200:
            raise StepFailed("GET /v1/actions/%s answered %d: %s" % (
                action_id, status, one_line(body.decode("utf-8", "replace"), 200)))
        try:
            action = json.loads(body)["action"]
            action["state"]
        except (ValueError, KeyError, TypeError):
            raise StepFailed("GET /v1/actions/%s: body has no action.state: %s" % (
                action_id, one_line(body.decode("utf-8", "replace"), 200)))
        return action

    def step_check_api(self):
        a = self.get_action(self.approved_id)
        if a["state"] not in APPROVED_STATES:
            raise StepFailed("approved action %s is %r in the API, expected one of %s" % (
                self.approved_id, a["state"], sorted(APPROVED_STATES)))
        if not a.get("decidedBy"):
            raise StepFailed("approved action %s has no decidedBy in the API" % self.approved_id)
        self.say("api: %s state=%s decidedBy=%s" % (self.approved_id, a["state"], a["decidedBy"]))
        r = self.get_action(self.rejected_id)
        if r["state"] != "rejected":
            raise StepFailed("rejected action %s is %r in the API, expected 'rejected'" % (self.rejected_id, r["state"]))
        if r.get("reasonCode") != REJECT_REASON:
            raise StepFailed("rejected action %s has reasonCode %r, expected %r" % (
                self.rejected_id, r.get("reasonCode"), REJECT_REASON))
        if r.get("reasonText") != REJECT_TEXT:
            raise StepFailed("rejected action %s has reasonText %r, expected %r" % (
                self.rejected_id, r.get("reasonText"), REJECT_TEXT))
        self.say("api: %s state=rejected reasonCode=%s reasonText=%r" % (
            self.rejected_id, r["reasonCode"], r["reasonText"]))

    def step_keys_help(self):
        d = self.driver
        self.blur()
        self.keys("?")

        def shown():
            els = d.find_elements(By.CSS_SELECTOR, "#keys")
            return bool(els) and els[0].is_displayed()

        def state():
            els = d.find_elements(By.CSS_SELECTOR, "#keys")
            if not els:
                return "no #keys element"
            return "#keys exists but is not displayed (hidden=%r, style=%r)" % (
                els[0].get_attribute("hidden"), els[0].get_attribute("style"))
        self.wait_until(shown, "#keys to be displayed after pressing ?", state)
        self.say("keyboard help shown (#keys visible)")

    # ---------------------------------------------------------------- run
    def run(self):
        steps = [
            (1, "api health", self.step_health),
            (2, "sign in", self.step_sign_in),
            (3, "page live", self.step_live),
            (4, "post telemetry", self.step_post_telemetry),
            (5, "actions arrive live", self.step_live_actions),
            (6, "approve with keyboard", self.step_approve_keyboard),
            (7, "reject with mouse", self.step_reject_mouse),
            (8, "check state through api", self.step_check_api),
            (9, "keyboard help", self.step_keys_help),
        ]
        try:
            for n, name, fn in steps:
                try:
                    fn()
                except StepFailed as e:
                    reason = str(e)
                except WebDriverException as e:
                    reason = "%s: %s" % (type(e).__name__, e.msg or e)
                else:
                    continue
                print("FAIL step %d (%s): %s" % (n, name, one_line(reason)), file=sys.stderr, flush=True)
                self.save_artifacts("step%d-failure" % n)
                return 1
            self.save_artifacts("final")
            self.say("PASS: all %d steps" % len(steps))
            return 0
        finally:
            if self.driver:
                try:
                    self.driver.quit()
                except Exception:  # noqa: BLE001 - closing is best effort
                    pass


def main(argv=None):
    p = argparse.ArgumentParser(description="End-to-end browser test of Sluice's operator page.",
                                epilog="Contract:" + CONTRACT, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True, help="base URL of the service, e.g. http://127.0.0.1:8080")
    p.add_argument("--operator-token", required=True)
    p.add_argument("--edge-token", required=True)
    p.add_argument("--telemetry", required=True, help="JSON file POSTed to /v1/telemetry (must raise 2 actions)")
    p.add_argument("--screenshots", help="directory for a screenshot, page source and console log on failure")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds per wait (default 30)")
    args = p.parse_args(argv)
    try:
        with open(args.telemetry, "rb") as f:
            json.loads(f.read())
    except (OSError, ValueError) as e:
        p.error("--telemetry %s: %s" % (args.telemetry, one_line(e, 200)))
    if args.timeout <= 0:
        p.error("--timeout must be above 0")
    try:
        return OperatorPageTest(args).run()
    except KeyboardInterrupt:
        print("FAIL: interrupted", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
