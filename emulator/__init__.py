"""An offline payment provider (Alipay now, WeChat Pay v3 later) that shares no code with the service."""
