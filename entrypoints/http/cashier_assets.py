"""The cashier page's fixed parts: its HTML skeleton, its style and its script (inline: the page loads nothing
else, so it works offline and under a `default-src 'none'` content security policy)."""

from __future__ import annotations

PAGE = """<!doctype html>
<html lang="{lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><meta name="robots" content="noindex">
<title>{title}</title><style>{css}</style></head>
<body data-state="{state}"><main class="card">
<header><span class="merchant" title="{merchant_label}">{merchant}</span>
<a class="switch" id="lang-switch" href="{switch_url}">{switch}</a></header>
<p class="subject" title="{subject_label}">{subject}</p>
<p class="amount"><span class="label">{amount_label}</span><span class="yuan">¥</span>
<span id="amount">{amount}</span></p>
<dl><dt>{order_label}</dt><dd id="order-no">{order_no}</dd></dl>
{action}{messages}
<p class="small warn" id="offline" hidden>{offline}</p><p class="small warn" id="stale" hidden>{stale}</p>
</main><script type="application/json" id="cashier-data">{data}</script><script>{script}</script></body></html>"""

CSS = """*{box-sizing:border-box}
body{margin:0;min-height:100vh;background:#f2f4f7;color:#1f2329;
font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei","WenQuanYi Micro Hei",sans-serif}
.card{max-width:440px;margin:0 auto;padding:20px 18px 28px;background:#fff;min-height:100vh}
@media(min-width:520px){body{padding:40px 16px}.card{min-height:0;border-radius:14px;
box-shadow:0 6px 24px rgba(0,0,0,.08);padding:28px 32px 32px}}
header{display:flex;justify-content:space-between;align-items:center;gap:12px}
.merchant{font-weight:600;font-size:15px;color:#4e5969;overflow-wrap:anywhere}
.switch{font-size:13px;color:#1677ff;text-decoration:none;border:1px solid #d0d7e2;border-radius:99px;
padding:3px 10px;white-space:nowrap}
.subject{margin:18px 0 4px;font-size:16px;overflow-wrap:anywhere}
.amount{margin:0 0 12px;font-size:36px;font-weight:700;letter-spacing:.5px}
.amount .label{display:block;font-size:13px;font-weight:400;color:#86909c;letter-spacing:0}
.yuan{font-size:22px;margin-right:2px}
dl{display:flex;justify-content:space-between;gap:12px;margin:0;padding:10px 0;border-top:1px solid #eef0f3;
border-bottom:1px solid #eef0f3;font-size:13px;color:#86909c}
dd{margin:0;color:#4e5969;font-family:ui-monospace,monospace;overflow-wrap:anywhere}
.deadline{margin:18px 0 2px;text-align:center;font-size:14px;color:#4e5969}
#countdown{font-size:22px;color:#f53f3f;font-variant-numeric:tabular-nums;margin-left:4px}
.small{margin:4px 0;text-align:center;font-size:12px;color:#86909c}
.code{margin:16px auto 0;text-align:center}
.qr{display:block;width:min(240px,70vw);height:auto;margin:0 auto;border:1px solid #eef0f3;border-radius:8px}
figcaption{margin-top:10px;font-size:15px}
.pay,.secondary{display:block;width:100%;max-width:320px;margin:18px auto 0;padding:13px;border:0;
border-radius:10px;font:inherit;font-size:16px;text-align:center;text-decoration:none;cursor:pointer}
.pay{background:#1677ff;color:#fff}.secondary{color:#1677ff;border:1px solid #1677ff}
.note{margin:18px 0 0;padding:12px;background:#fff7e8;border-radius:8px;font-size:14px;text-align:center}
.msg{text-align:center;padding:22px 0 0}.msg h2{margin:10px 0 6px;font-size:20px}
.msg p{margin:0;color:#4e5969;font-size:14px;line-height:1.6}
.mark{width:56px;height:56px;margin:0 auto;border-radius:50%;background:#e5e6eb;color:#fff;font-size:30px;
line-height:56px}.mark.paid{background:#00b42a}.mark.error{background:#ff7d00}.mark.expired,.mark.closed{background:#86909c}
.warn{color:#d25f00}
.choices{margin:18px auto 0;max-width:320px}.choices .small{margin-bottom:8px}
.choice{display:block;width:100%;margin:8px 0 0;padding:12px;border:1px solid #d0d7e2;border-radius:10px;
background:#fff;color:#1f2329;font:inherit;font-size:15px;cursor:pointer}
.choice[aria-current]{border-color:#1677ff;color:#1677ff;font-weight:600}
body:not([data-state=open]) .only-open,body:not([data-state=paid]) .only-paid,
body:not([data-state=expired]) .only-expired,body:not([data-state=closed]) .only-closed,
body:not([data-state=refunded]) .only-refunded,body:not([data-state=error]) .only-error{display:none}"""

SCRIPT = """(() => {
  const body = document.body, data = JSON.parse(document.getElementById("cashier-data").textContent);
  const started = performance.now(), countdown = document.getElementById("countdown");
  let polls = 0, failures = 0;
  const show = (id, on) => { const el = document.getElementById(id); if (el) el.hidden = !on; };
  function enter(state) {
    if (body.dataset.state === state) return;
    body.dataset.state = state;
    if (state !== "open") document.querySelectorAll(".action").forEach((el) => el.remove());
    if (state === "paid" && data.return_url) {
      show("returning", true);
      let left = data.redirect_s;
      const step = () => {
        document.getElementById("redirect-s").textContent = left;
        if (left-- <= 0) location.assign(data.return_url); else setTimeout(step, 1000);
      };
      step();
    }
  }
  function tick() {
    if (body.dataset.state !== "open" || !countdown) return;
    const left = data.remaining_ms - (performance.now() - started);
    if (left <= 0) { countdown.textContent = "00:00"; enter("expired"); return; }
    const s = Math.ceil(left / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    const two = (n) => String(n).padStart(2, "0");
    countdown.textContent = (h ? h + ":" + two(m) : two(m)) + ":" + two(s % 60);
    setTimeout(tick, 250);
  }
  async function poll() {
    if (++polls > data.max_polls) { if (body.dataset.state === "open") show("stale", true); return; }
    try {
      const answer = await fetch(data.status_url, {cache: "no-store"});
      if (!answer.ok) throw new Error(String(answer.status));
      const now = (await answer.json()).state;
      failures = 0; show("offline", false);
      if (now !== "open") { enter(now); return; }  // a final state: nothing more to ask
    } catch (e) {
      if (++failures >= 3) show("offline", true);
    }
    setTimeout(poll, data.poll_ms);
  }
  const jsapi = document.querySelector("[data-jsapi]");
  if (jsapi) jsapi.addEventListener("click", () => {
    const params = JSON.parse(jsapi.dataset.jsapi);
    if (window.WeixinJSBridge) window.WeixinJSBridge.invoke("getBrandWCPayRequest", params, () => {});
  });
  const retry = document.getElementById("retry");
  if (retry) retry.addEventListener("click", (e) => { e.preventDefault(); location.reload(); });
  if (body.dataset.state === "paid") { body.dataset.state = ""; enter("paid"); }
  tick();
  if (body.dataset.state === "open") setTimeout(poll, data.poll_ms);
})();"""
