"""The payer's side of a cashier page where the payer chooses: pressing a method's button, as a browser would."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
PHONE_UA = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"


async def choose(cashier_url: str, method: str, user_agent: str = DESKTOP_UA) -> httpx.Response:
    """The payer presses a method's button on the cashier page: the form's POST, then the page it leads back to."""
    async with httpx.AsyncClient(timeout=10, headers={"User-Agent": user_agent}) as http:
        page = await http.get(cashier_url)
        assert page.status_code == 200, page.text
        assert f'value="{method}"' in page.text, page.text
        url = urlsplit(cashier_url)
        action = page.text.split('id="choices" method="post" action="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
        chosen = await http.post(f"{url.scheme}://{url.netloc}{action}", data={"method": method})
        assert chosen.status_code == 303, chosen.text
        return await http.get(f"{url.scheme}://{url.netloc}{chosen.headers['location']}")
