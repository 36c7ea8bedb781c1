"""wechatpy's Mini Program code calls (WeChatWxa through WeChatComponentClient) against the
fastreg emulator, unchanged but for its base URL.

Usage: python3 wechatpy_lifecycle.py BASE_URL COMPONENT_APPID SECRET TOKEN AES_KEY MP_APPID TEMPLATE_ID

It runs the lifecycle a platform runs against WeChat:
  1. a tiny HTTP server stands for the platform's authorization-event URL and message URL; the
     emulator pushes component_verify_ticket there (wechatpy's parse_message caches it);
  2. component token, the Mini Program authorizes (control API), wechatpy's query_auth;
  3. commit with an ext_json string, the privacy scan's virtual minute passes (control API);
  4. submit_audit, get_auditstatus (2), the audit is approved (control API), the encrypted
     weapp_audit_success push reaches the message URL with $APPID$ replaced and decrypts with
     wechatpy's crypto;
  5. release, and a second release (85052); get_latest_auditstatus.
It prints one JSON object with what it saw; the Rust test asserts on it.
"""
import json
import sys
import threading
import time
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from http.server import BaseHTTPRequestHandler, HTTPServer

from wechatpy.client.api import WeChatWxa
from wechatpy.component import WeChatComponent

base, component_appid, secret, token, aes_key, mp_appid, template_id = sys.argv[1:8]
seen = {"audit_pushes": []}


def control(path, body):
    req = urllib.request.Request(
        base + "/__emulator/" + path,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


class Component(WeChatComponent):
    API_BASE_URL = base + "/cgi-bin"


# The only change to wechatpy: where api.weixin.qq.com is.
WeChatWxa.API_BASE_URL = base + "/"
component = Component(component_appid, secret, token, aes_key)


class Pushes(BaseHTTPRequestHandler):
    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        q = urllib.parse.parse_qs(url.query)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if url.path.startswith("/events"):
            component.parse_message(body, q["msg_signature"][0], q["timestamp"][0], q["nonce"][0])
        else:
            plain = component.crypto.decrypt_message(body, q["msg_signature"][0], q["timestamp"][0], q["nonce"][0])
            xml = ET.fromstring(plain)
            seen["audit_pushes"].append({
                "path": url.path,
                "event": xml.findtext("Event"),
                "succ_time": xml.findtext("SuccTime"),
            })
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"success")

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Pushes)
threading.Thread(target=server.serve_forever, daemon=True).start()
here = "http://127.0.0.1:%d" % server.server_port

control("components", {
    "appid": component_appid, "event_url": here + "/events", "message_url": here + "/msg/$APPID$",
})
control("push/verify-ticket", {"component_appid": component_appid})
component.fetch_access_token()

auth = control("authorize", {"component_appid": component_appid, "appid": mp_appid})
component.query_auth(auth["auth_code"])
mp = component.get_client_by_appid(mp_appid)

ext = {"extAppid": mp_appid, "ext": {"shopId": "42"}, "window": {"navigationBarTitleText": "示例商城"}}
seen["commit"] = mp.wxa.commit(int(template_id), json.dumps(ext, ensure_ascii=False), "1.0.0", "interop")["errcode"]
seen["pages"] = mp.wxa.get_page()
control("clock/advance", {"seconds": 61})
submitted = mp.wxa.submit_audit({"version_desc": "wechatpy"})
auditid = submitted["auditid"]
seen["auditid_is_int"] = isinstance(auditid, int)
seen["status_before"] = mp.wxa.get_audit_status(auditid)["status"]
control("audits/%d" % auditid, {"approve": True})
for _ in range(200):
    if seen["audit_pushes"]:
        break
    time.sleep(0.02)
seen["status_after"] = mp.wxa.get_audit_status(auditid)["status"]
seen["release"] = mp.wxa.release()["errcode"]
try:
    mp.wxa.release()
    seen["second_release_errcode"] = 0
except Exception as e:  # wechatpy raises WeChatClientException with errcode
    seen["second_release_errcode"] = getattr(e, "errcode", None)
latest = mp.wxa.get_latest_audit_status()
seen["latest"] = {"auditid": latest["auditid"], "status": latest["status"]}

server.shutdown()
print(json.dumps(seen, ensure_ascii=False))
