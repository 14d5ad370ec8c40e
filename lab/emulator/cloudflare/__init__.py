"""Emulator of the Cloudflare API v4 (zones, DNS records) with an authoritative DNS listener.

``records`` holds the API's rules (validation, filters, pagination, envelope), ``dns_listener``
answers DNS queries for the emulated zones, ``emulator`` ties both to the lab framework.
"""

from lab.emulator.cloudflare.emulator import API_PREFIX, PUBLIC_ZONES, CloudflareEmulator

__all__ = ["API_PREFIX", "PUBLIC_ZONES", "CloudflareEmulator"]
