#!/usr/bin/env bash
# Whether the Hugging Face hub (HF_ENDPOINT, HF_TOKEN) can be used from here, for the quick start, through the proxy
# the environment names (curl reads HTTPS_PROXY, https_proxy, http_proxy and NO_PROXY as fetch-models does).
# Exit 0: the hub answers. Exit 2: nothing answered at all (an air-gapped host): the offline route may be taken.
# Exit 1: something answered and refused (a stale HF_TOKEN, a proxy that wants credentials or blocks the hub, a
# rate limit, a hub error): that is the user's to fix, never a reason to take the offline route; stderr says what.
set -uo pipefail

hub="${HF_ENDPOINT:-https://huggingface.co}"
hub="${hub%/}"
url="$hub/api/models/sentence-transformers/all-MiniLM-L6-v2/revision/main"
auth=()
[ -n "${HF_TOKEN:-}" ] && auth=(-H "Authorization: Bearer $HF_TOKEN")
# "<the hub's status> <a proxy's answer to CONNECT>", 000 where there was none
read -r status tunnel < <(curl -sS --max-time 10 "${auth[@]}" -o /dev/null -w '%{http_code} %{http_connect}\n' "$url" 2>/dev/null)
proxy="${HTTPS_PROXY:-${https_proxy:-}}"
say() { echo "quickstart: $*" >&2; }

case "$status" in
  2??) exit 0 ;;
  401 | 403)
    if [ -n "${HF_TOKEN:-}" ]; then
      say "the hub ($hub) refused your HF_TOKEN ($status): unset HF_TOKEN, or renew it at https://huggingface.co/settings/tokens"
    else
      say "the hub ($hub) asks for a token ($status): set HF_TOKEN"
    fi
    exit 1 ;;
  407) say "the proxy ${proxy:-(HTTP_PROXY)} asks for credentials (407): put them in HTTPS_PROXY as http://user:password@host:port"; exit 1 ;;
  000 | "") ;;
  *) say "the hub ($hub) answered $status; try again later"; exit 1 ;;
esac
case "${tunnel:-000}" in
  000) ;;
  407) say "the proxy $proxy asks for credentials (407): put them in HTTPS_PROXY as http://user:password@host:port"; exit 1 ;;
  *) say "the proxy $proxy refused to connect to $hub ($tunnel): have it allow the hub and its storage hosts (README, quick start)"; exit 1 ;;
esac
if [ -n "$proxy${HTTP_PROXY:-}${http_proxy:-}" ]; then
  say "the hub ($hub) could not be reached through the proxy ${proxy:-${HTTP_PROXY:-$http_proxy}}"
else
  say "the hub ($hub) could not be reached (if this network needs a proxy, set HTTPS_PROXY)"
fi
exit 2
