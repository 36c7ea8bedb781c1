"""An independent WeChat SDK (wechatpy) against the fastreg emulator, unchanged but for its base URL.

Usage: python3 wechatpy_emulator.py BASE_URL COMPONENT_APPID SECRET TOKEN AES_KEY OA_APPID

It runs the journey a platform runs against WeChat:
  1. a tiny HTTP server stands for the platform's authorization-event URL; the emulator pushes
     component_verify_ticket there, encrypted, and wechatpy's parse_message decrypts and caches it;
  2. component token from that ticket (wechatpy's fetch_access_token);
  3. the account authorizes (control API), wechatpy's query_auth exchanges the code;
  4. authorizer token refresh (wechatpy's refresh_authorizer_token);
  5. the admin confirms fast registration (control API), fastregister through wechatpy's client,
     query_auth for the new Mini Program, then getaccountbasicinfo and checkwxverifynickname.
It prints one JSON object with what it saw; the Rust test asserts on it.
"""
import json
import sys
import threading
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer

from wechatpy.component import WeChatComponent

base, component_appid, secret, token, aes_key, oa_appid = sys.argv[1:7]
seen = {"pushes": 0}


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


component = Component(component_appid, secret, token, aes_key)


class Events(BaseHTTPRequestHandler):
    def do_POST(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        msg = component.parse_message(body, q["msg_signature"][0], q["timestamp"][0], q["nonce"][0])
        seen["pushes"] += 1
        seen.setdefault("push_types", []).append(msg.type)
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"success")

    def log_message(self, *args):
        pass


server = HTTPServer(("127.0.0.1", 0), Events)
threading.Thread(target=server.serve_forever, daemon=True).start()
event_url = "http://127.0.0.1:%d/events" % server.server_port

control("components", {
    "appid": component_appid, "secret": secret, "token": token, "encoding_aes_key": aes_key,
    "published": True,
    "permission_sets": ["account_service", "mp_account_management", "mp_development", "mp_verification", "mp_basic_info"],
    "login_domain": "127.0.0.1:8080", "event_url": event_url,
})
pushed = control("push/verify-ticket", {"component_appid": component_appid})
seen["ticket_cached"] = component.component_verify_ticket == pushed["ticket"]

component.fetch_access_token()
seen["component_token"] = bool(component.access_token)

auth = control("authorize", {"component_appid": component_appid, "appid": oa_appid, "fast_register": True})
info = component.query_auth(auth["auth_code"])["authorization_info"]
seen["authorizer_appid"] = info["authorizer_appid"]
refreshed = component.refresh_authorizer_token(oa_appid, info["authorizer_refresh_token"])
seen["refreshed"] = bool(refreshed.get("authorizer_access_token"))

oa = component.get_client_by_appid(oa_appid)
oa.API_BASE_URL = base + "/cgi-bin/"
redirect = control("fastregister/confirm", {
    "component_appid": component_appid, "appid": oa_appid, "copy_wx_verify": 1,
    "redirect_uri": "http://127.0.0.1:8080/callback?from=mp",
})["redirect"]
ticket = urllib.parse.parse_qs(urllib.parse.urlparse(redirect).query)["ticket"][0]
reg = oa.post("account/fastregister", data={"ticket": ticket})
seen["fastregister"] = {k: reg.get(k) for k in ("errcode", "is_wx_verify_succ", "is_link_succ")}
mp_appid = reg["appid"]
mp_info = component.query_auth(reg["authorization_code"])["authorization_info"]
seen["mp_appid_matches"] = mp_info["authorizer_appid"] == mp_appid

mp = component.get_client_by_appid(mp_appid)
mp.API_BASE_URL = base + "/cgi-bin/"
basic = mp.get("account/getaccountbasicinfo")
seen["basic_info_appid_matches"] = basic.get("appid") == mp_appid
check = mp.post("wxverify/checkwxverifynickname", data={"nick_name": "绿茶咖啡小铺"})
seen["nickname_check_has_hit_condition"] = "hit_condition" in check

try:
    oa.post("account/fastregister", data={"ticket": ticket})
    seen["reused_ticket_errcode"] = 0
except Exception as e:  # wechatpy raises WeChatClientException with errcode
    seen["reused_ticket_errcode"] = getattr(e, "errcode", None)

server.shutdown()
print(json.dumps(seen))
