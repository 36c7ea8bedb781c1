#!/usr/bin/env python3
"""WXBizMsgCrypt through wechatpy, an implementation independent of ours, for the interop test
(crates/cli/tests/crypto_cli.rs, `interop_with_wechatpy_both_directions`).

    wechatpy_crypto.py decrypt --token T --aes-key K --appid A --timestamp TS --nonce N \
        --msg-signature S < envelope.xml      # prints the plaintext, exactly
    wechatpy_crypto.py encrypt --token T --aes-key K --appid A --timestamp TS --nonce N \
        < plain.xml                           # prints wechatpy's envelope

stdin and stdout are UTF-8 bytes, passed through unchanged. Any failure raises (non-zero exit).
Requires `pip install wechatpy cryptography`.
"""

import argparse
import sys

from wechatpy.crypto import WeChatCrypto


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("direction", choices=["encrypt", "decrypt"])
    parser.add_argument("--token", required=True)
    parser.add_argument("--aes-key", required=True)
    parser.add_argument("--appid", required=True)
    parser.add_argument("--timestamp", required=True)
    parser.add_argument("--nonce", required=True)
    parser.add_argument("--msg-signature")
    args = parser.parse_args()

    crypto = WeChatCrypto(args.token, args.aes_key, args.appid)
    stdin = sys.stdin.buffer.read().decode("utf-8")
    if args.direction == "decrypt":
        if args.msg_signature is None:
            parser.error("decrypt needs --msg-signature")
        out = crypto.decrypt_message(stdin, args.msg_signature, args.timestamp, args.nonce)
    else:
        out = crypto.encrypt_message(stdin, args.nonce, args.timestamp)
    sys.stdout.buffer.write(out.encode("utf-8"))
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
