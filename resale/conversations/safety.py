"""Spot attempts to take a conversation, or its payment, off resale.

``concerns(text)`` says which kinds of off-platform contact a chat message holds, each
once, in the order of ``Concern``. It only warns: the message is delivered anyway, so it
leans towards catching real attempts while leaving ordinary trade talk alone.

The text is first normalized: NFKC (full-width ``１３８`` and ``ｖｘ``, ``＠`` and circled
digits fold), invisible characters and emoji keycap marks dropped, case folded, runs of
nine or more Chinese numerals (一三八…, 壹贰叁…) read as digits, and single letters
spelled apart (``w h a t s a p p``) joined.

What it catches:

* ``PAYMENT_ELSEWHERE``: bank transfer / wire / virement / RIB / IBAN (the word or an
  IBAN-shaped number), bank details, PayPal (any, "friends and family", "entre
  proches"), Western Union, MoneyGram, Lydia (after "par", "via", "un" …), Paylib, Wero,
  Venmo, Zelle, Revolut, Cash App, gift and prepaid cards (Steam, iTunes, PCS,
  Transcash, Neosurf …), paying in crypto, cash payment, deposits, "pay directly",
  "outside the app"; Chinese 支付宝, 微信转账/支付, 转账, 银行卡, 卡号, 打款, 汇款, 先付 / 先付定金, 定金,
  收款码, 私下交易, 线下交易, 不走闲鱼, 闲鱼外, 平台外, 现金.
* ``PHONE``: runs of 9 to 15 digits (spaces, dots, dashes, brackets between them) in a
  phone's shape: international (``+33 6 12 34 56 78``, ``0044 …``), national starting
  with 0 (``06 12 34 56 78``, ``07700 900123``), a Chinese mobile (``138-1234-5678``),
  North American ``(555) 123-4567``, or 10–11 digits written together; also asking for
  or offering a number ("call me", "your phone number", "ton numéro", 手机号, 留个电话).
* ``EMAIL``: addresses, also written ``name(at)gmail.com``, ``name [at] host [dot] org``,
  ``name at gmail dot com``, ``arobase … point fr``, ``name＠qq.com``; a mail provider
  named on its own (gmail, hotmail …); QQ邮箱 / 163邮箱, 留个邮箱.
* ``MESSENGER``: WhatsApp, Telegram, Signal (as "on Signal", "Signal app" …), WeChat,
  Viber, Skype, Discord, KakaoTalk, LINE ID, Snapchat / "snap", Instagram / "insta" /
  "ig", Facebook Messenger, an ``@handle`` that is not part of an e-mail, ``t.me/``,
  ``wa.me/``, ``m.me/`` links; Chinese 加微信, 加我微信, 微信号, 加v, vx, wx, v信, 威信, 薇信,
  QQ号, 加Q, 扣扣, 私聊, 纸飞机, 钉钉, 抖音号.
* ``LINK``: a URL (``https://…``, ``www.…``), a bare domain with a common top-level
  domain (``bit.ly/…``, ``shop.fr/x``), ``example dot com``, an IP address with a port or
  a path, whose host is not one of ``own_hosts`` (nor a subdomain of one). A messenger
  or payment link (``t.me/x``, ``paypal.me/x``) is a LINK as well.

What it deliberately does not catch: prices, dates, times, years, sizes, postcodes,
numbers of up to 9 digits not starting with 0 (order numbers), more than 11 digits
written together (IMEI, tracking), any digits after "IMEI", "ISBN", "order",
"tracking", "单号" …, model numbers glued to letters (``A2172``, ``128GB``), the word
"signal", "messenger bag", "Lydia" as a name, meeting in person (面交, 自提, "meet at …"),
"e-mail me" without an address, and any link to our own host. Numbers spelled as words
("zero six twelve"), letters standing for digits (``O6``), leetspeak (``wh@tsapp``) and
images are missed.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Collection, Iterator
from urllib.parse import urlsplit

from resale.core.i18n import N_


class Concern(enum.StrEnum):
    """A kind of off-platform contact; ``concerns`` returns them in this order."""

    PAYMENT_ELSEWHERE = "payment_elsewhere"
    PHONE = "phone"
    EMAIL = "email"
    MESSENGER = "messenger"
    LINK = "link"

    @property
    def label(self) -> str:
        """What it is, in English, for people (the caller translates it)."""
        return _LABELS[self]


_LABELS: dict[Concern, str] = {
    Concern.PAYMENT_ELSEWHERE: N_("a request to pay outside resale"),
    Concern.PHONE: N_("a phone number"),
    Concern.EMAIL: N_("an e-mail address"),
    Concern.MESSENGER: N_("a messenger account"),
    Concern.LINK: N_("a link to another site"),
}


# --- normalization ---------------------------------------------------------------------

# Zero-width characters, soft hyphen, the emoji variation selector and keycap mark.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\ufe0f\u20e3"))
_CN_NUMERALS = "〇零一二三四五六七八九幺壹贰叁肆伍陆柒捌玖"
_CN_TO_DIGITS = str.maketrans(_CN_NUMERALS, "001234567891123456789")
_CN_DIGIT_RUN = re.compile(rf"[{_CN_NUMERALS}0-9](?:[ \-.]?[{_CN_NUMERALS}0-9]){{8,}}")
# Four or more single letters spelled apart: "w h a t s a p p", "v.i.b.e.r".
_SPELLED_APART = re.compile(r"(?<![a-z0-9])[a-z](?:[ .\-_*][a-z](?![a-z0-9])){3,}")
_SPELLING_GAPS = re.compile(r"[ .\-_*]")


def _normalize(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_INVISIBLE).casefold()
    text = _CN_DIGIT_RUN.sub(lambda m: m[0].translate(_CN_TO_DIGITS), text)
    return _SPELLED_APART.sub(lambda m: _SPELLING_GAPS.sub("", m[0]), text)


def _any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns))


# --- e-mail ----------------------------------------------------------------------------

_PROVIDERS = (
    r"gmail|googlemail|hotmail|outlook|live|msn|yahoo|ymail|aol|icloud|me|mac|protonmail"
    r"|proton|gmx|yandex|mail|orange|wanadoo|free|sfr|laposte|bbox|qq|foxmail|163|126"
    r"|sina|sohu|aliyun"
)
# Only these are taken for an address when written without their domain ("bob@gmail").
_BARE_PROVIDERS = r"gmail|googlemail|hotmail|outlook|yahoo|icloud|protonmail|qq|foxmail|163|126"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_TLD = r"[a-z]{2,12}(?![a-z0-9])"
_LOCAL = r"(?<![a-z0-9._%+-])[a-z0-9](?:[a-z0-9._%+-]{0,63}[a-z0-9_])?"
_AT = r"(?:\s?@\s?|\s?[(\[{<]\s?(?:at|@|arobase)\s?[)\]}>]\s?|\s+arobase\s+|\s?艾特\s?)"
_WORD_DOT = r"(?:\s?[(\[{<]\s?(?:dot|point|点)\s?[)\]}>]\s?|\s+(?:dot|point)\s+)"
_DOT = rf"(?:\.|{_WORD_DOT})"
_EMAIL = re.compile(
    _LOCAL
    + "(?:"
    + rf"{_AT}{_LABEL}(?:{_DOT}{_LABEL}){{0,4}}{_DOT}{_TLD}"  # name@host.tld, name(at)host.tld
    + rf"|@(?:{_BARE_PROVIDERS})(?![a-z0-9])"  # name@gmail
    + rf"|\s+at\s+(?:{_PROVIDERS}){_DOT}{_TLD}"  # name at gmail.com
    + rf"|\s+at\s+{_LABEL}(?:{_WORD_DOT}{_LABEL}){{0,4}}{_WORD_DOT}{_TLD}"  # name at host dot org
    + ")"
)
_EMAIL_WORDS = _any(
    r"(?<![a-z])(?:gmail|googlemail|hotmail|protonmail|foxmail)(?![a-z])",
    r"(?:qq|163|126|网易|新浪)邮箱",
    r"邮箱(?:地址|号|是)",
    r"(?:留|发|给)(?:个|一下|下|我)?(?:你的|我)?邮箱",
    r"my\s+e-?mail(?:\s+address)?\s*(?:is|:)",
    r"(?:mon|ma)\s+(?:adresse\s+)?(?:e-?)?mail\s*(?:est|:)",
)

# --- links -----------------------------------------------------------------------------

_TLDS = (
    r"com|net|org|info|biz|io|co|me|ly|gl|gg|app|dev|shop|store|site|online|xyz|top|fr|uk"
    r"|de|es|it|nl|be|ch|eu|cn|hk|tw|jp|ru|us|ca|au|cc|tv|to|ai|club|vip|icu|mobi|asia|ws"
    r"|pl|pt|se|dk|fi|ie|lu|mx|br|kr|sg|nz|link|click|page|live|pro|sh"
)
_URL_TAIL = r"[a-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*"
_HOST_BOUNDARY = r"(?<![a-z0-9@._-])"
_LINK = _any(
    rf"(?<![a-z])(?:https?|ftp)://{_URL_TAIL}",
    rf"{_HOST_BOUNDARY}www\d?\.{_URL_TAIL}",
    rf"{_HOST_BOUNDARY}(?:{_LABEL}\.)+(?:{_TLDS})(?![a-z0-9-])(?::\d{{1,5}})?(?:[/?#]{_URL_TAIL})?",
    rf"(?<![\d.])(?:\d{{1,3}}\.){{3}}\d{{1,3}}(?::\d{{1,5}})?[/:]{_URL_TAIL}",
    rf"{_HOST_BOUNDARY}localhost(?::\d{{1,5}})?[/:]{_URL_TAIL}",
    rf"{_HOST_BOUNDARY}{_LABEL}{_WORD_DOT}(?:{_TLDS})(?![a-z0-9])",
)
_WORD_DOT_RE = re.compile(_WORD_DOT)
_BARE_HOST = re.compile(r"[^:/?#\s]+")


def _host(link: str) -> str:
    if "://" in link:
        return (urlsplit(link).hostname or "").rstrip(".")
    link = _WORD_DOT_RE.sub(".", link)
    found = _BARE_HOST.match(link)
    return found[0].rstrip(".") if found else ""


def _is_own(host: str, own: Collection[str]) -> bool:
    return any(host == o or host.endswith("." + o) for o in own)


def _own_host(host: str) -> str:
    host = host.strip().casefold().rstrip(".")
    return host.split(":", 1)[0] if host.count(":") == 1 else host


# --- phone -----------------------------------------------------------------------------

_TIME = re.compile(r"(?<!\d)\d{1,2}\s?[:h]\s?\d{2}(?!\d)")
_DIGIT_RUN = re.compile(
    r"(?<![a-z0-9_])(?<!\d[.,])(\+\s?|00(?=[1-9]))?(\d(?:[ \t.\-_()·•*~]{1,3}\d|\d)*)(?![a-z0-9_])"
)
_GROUPS = re.compile(r"\d+")
_NOT_A_PHONE_BEFORE = re.compile(
    r"(?:imei|isbn|ean|serial|s/n|sku|ref|réf|order|commande|tracking|suivi|colis"
    r"|序列号|型号|订单号?|单号|运单)[^0-9]{0,12}$"
)
_CHINESE_MOBILE = re.compile(r"1[3-9]\d{9}")
_PHONE_WORDS = _any(
    r"(?:your|my|ur)\s+(?:phone|mobile|cell)(?:\s+(?:number|no\.?|num))?(?![a-z])",
    r"(?:your|ur)\s+(?:number|digits)(?![a-z])",
    r"phone\s+number|call\s+me(?![a-z])|text\s+me(?![a-z])(?!\s+on)|sms\s+me|give\s+me\s+a\s+(?:call|ring)",
    r"appel(?:le|ez)[- ]moi|(?:mon|ton|votre)\s+(?:num(?:éro|ero)?|tel|tél|portable|06|07)(?![a-z0-9])",
    r"numéro\s+de\s+(?:téléphone|portable|tel|tél)|envoie[- ]moi\s+un\s+(?:sms|texto)",
    r"手机号|电话号码|联系电话|电话联系|(?:留|给|发)(?:个|下|一下|我)?(?:你的)?(?:电话|手机)|打(?:我|个)?电话",
)


def _phone_shaped(groups: list[str]) -> bool:
    digits = "".join(groups)
    n = len(digits)
    if len(groups) == 1:
        return 9 <= n <= 11 if digits[0] == "0" else n in (10, 11)
    if digits[0] == "0" and 9 <= n <= 11:
        return len(groups[0]) >= 2 or all(len(g) == 1 for g in groups)
    if _CHINESE_MOBILE.fullmatch(digits):
        return True
    return [len(g) for g in groups] in ([3, 3, 4], [1, 3, 3, 4])


def _windows(groups: list[str]) -> Iterator[list[str]]:
    """Every stretch of whole groups holding at most 15 digits (a number may follow a price)."""
    for i in range(len(groups)):
        size = 0
        for j in range(i, len(groups)):
            size += len(groups[j])
            if size > 15:
                break
            yield groups[i : j + 1]


def _has_phone(text: str) -> bool:
    text = _TIME.sub(" ; ", text)
    for run in _DIGIT_RUN.finditer(text):
        if _NOT_A_PHONE_BEFORE.search(text[max(0, run.start() - 40) : run.start()]):
            continue
        groups = _GROUPS.findall(run[2])
        if run[1] and 9 <= len("".join(groups)) <= 15:
            return True
        if any(_phone_shaped(window) for window in _windows(groups)):
            return True
    return False


# --- messengers ------------------------------------------------------------------------

_MESSENGER = _any(
    r"wh?at'?s\s?-?app?(?![a-z])|(?<![a-z])wtsp(?![a-z])|t[eé]l[eé]gram|(?<![a-z0-9.-])(?:t|wa|m)\.me/",
    r"(?:on|sur|via|par|use|add\s+me\s+on|text\s+me\s+on|app)\s+signal(?![a-z])|signal\s+(?:app|messenger|id)",
    r"we\s?chat|wei\s?xin|viber|skype|discord|kakao(?:\s?talk)?|(?<![a-z])line\s+(?:id|app)(?![a-z])",
    r"snapchat|(?:my|on|sur|mon|via|add\s+me\s+on|dm\s+me\s+on)\s+snap(?![a-z])|(?<![a-z])snap\s*:",
    r"instagram|(?<![a-z])insta(?![a-z0-9])(?!\s?360)|(?:my|on|sur|mon|via)\s+ig(?![a-z])|(?<![a-z])ig\s*:",
    r"facebook\s+messenger|messenger\s+(?:facebook|fb)|(?:on|sur|via|par)\s+messenger(?![a-z])",
    r"(?:add|find|contact|message|text|dm|pm|write|ajoute|contacte|écris)[- ](?:me|moi)\s+(?:on|sur|via|par)\s+(?:facebook|fb)(?![a-z])",
    # @handle (e-mails are taken out before this runs)
    r"(?<![a-z0-9_.@])@[a-z_][a-z0-9_.]{1,29}",
    # Chinese
    r"加(?:我|个|下|一下|一个)?\s?(?:微信|微|v|vx|wx|q|qq|扣扣|好友)(?![a-z])",
    r"微信(?!支付|转账|付款|红包|收款)|v\s?信|威信|薇信|徽信|微x",
    r"(?<![a-z])(?:vx|wx|wxid|v\s?x)(?![a-z])|(?<![a-z])qq(?![a-z])(?!\s?邮箱)",
    r"扣扣|企鹅号|私聊|私下聊|钉钉|纸飞机|飞机号|抖音号|小红书号",
)

# --- payment ---------------------------------------------------------------------------

_PAYMENT = _any(
    r"(?:bank|wire|direct|money|sepa|instant|international)\s+transfer",
    r"(?:by|via|per|with|through)\s+(?:a\s+)?transfer",
    r"transfer\s+(?:me|you|the\s+(?:money|payment|funds)|(?:it\s+)?to\s+my)",
    r"(?<![a-z])wire\s+(?:me|you|it|the)(?![a-z])",
    r"virement|(?:mon|ton|votre|un|le|du|ce)\s+rib(?![a-z])|(?<![a-z])iban(?![a-z])",
    r"bank\s+(?:details|account)|account\s+number|sort\s+code|swift\s+code|routing\s+number",
    r"coordonn[ée]es\s+bancaires|compte\s+bancaire|numéro\s+de\s+compte",
    r"pay\s?pal|friends?\s*(?:&|and|n)\s*family|(?<![a-z])f\s?&\s?f(?![a-z])|entre\s+proches",
    r"amis\s+(?:et|&)\s+famille|western\s?union|money\s?gram|mandat\s+cash",
    r"(?:par|via|sur|avec|by|on|with|en|through|un|pay|payer)\s+lydia(?![a-z])|lydia\s+(?:app|pro)",
    r"paylib|(?<![a-z])wero(?![a-z])|venmo|zelle|revolut|cash\s?app(?![a-z])|transferwise",
    r"gift\s?cards?|cartes?[\s-]cadeaux?|(?:itunes|steam|google\s+play|amazon)\s+cards?",
    r"transcash|neosurf|paysafe\s?card|(?<![a-z])pcs\s+(?:card|coupon|mastercard)|coupons?\s+pcs",
    r"(?:pay|paid|payment|payer|paiement|in|with|by|en)\s+(?:bitcoin|btc|usdt|eth|crypto)",
    r"(?:bitcoin|btc|usdt|crypto)\s+(?:payment|address|wallet\s+address)|usdt|比特币|虚拟币",
    r"pay(?:ing|ment)?\s+(?:in\s+|with\s+|by\s+)?cash|cash\s+(?:on|at|upon)\s+(?:pick\s?up|collection|delivery)",
    r"cash\s+in\s+hand|in\s+cash(?![a-z])|en\s+(?:esp[eè]ces|liquide|cash)(?![a-z])",
    r"(?:pay|send|transfer|leave)\s+(?:me\s+)?(?:a\s+|the\s+|an\s+)?(?:small\s+)?deposit|deposit\s+first|acompte|arrhes",
    r"pay(?:\s+(?:me|you))?\s+directly|direct\s+payment|payer\s+directement|paiement\s+direct",
    r"send\s+(?:me\s+)?(?:the\s+)?money|envoy(?:er|ez|e)[- ](?:moi\s+)?l'argent",
    r"(?:outside|off)\s+(?:of\s+)?(?:the\s+|this\s+)?(?:app|platform|site|website|resale)(?![a-z])",
    r"(?:hors|en\s+dehors)\s+(?:de\s+la\s+|du\s+|de\s+l'|de\s+)?(?:plateforme|site|appli|application|resale)",
    # an IBAN: country, check digits, then groups of four (digits are counted below)
    r"(?<![a-z0-9])[a-z]{2}\d{2}(?: ?[a-z0-9]{4}){3,7}(?: ?[a-z0-9]{1,3})?(?![a-z0-9])",
    # Chinese
    r"支付宝|alipay|微信(?:支付|转账|付款|红包|收款)|wechat\s?pay|转账|转给我|银行卡|银行账[号户]|卡号",
    r"打款|打钱|汇款|先(?:付|转)|先(?:打|给)(?:款|钱|定金|订金)|定金|订金|发(?:个|我|你)?红包",
    r"收款码|付款码|扫码(?:付|支付|转)|二维码(?:付|支付|转|收款)|现金",
    r"私下(?:交易|付|转|给)|线下(?:交易|付|支付)|闲鱼外|不走(?:平台|闲鱼|app)|平台外|绕过平台",
)


def _is_payment(text: str) -> bool:
    for found in _PAYMENT.finditer(text):
        word = found[0]
        # The IBAN shape is only trusted with ten digits or more ("ps45 with them here").
        if re.fullmatch(r"[a-z]{2}\d{2}[ a-z0-9]*", word) and sum(c.isdigit() for c in word) < 10:
            continue
        return True
    return False


# --- the check -------------------------------------------------------------------------


def concerns(
    text: str, *, own_hosts: Collection[str] = ("127.0.0.1", "localhost")
) -> tuple[Concern, ...]:
    """The kinds of off-platform contact in ``text``, each once, in ``Concern``'s order.

    A link whose host is one of ``own_hosts`` (or a subdomain of one) is fine.
    """
    own = {_own_host(h) for h in own_hosts}
    found: set[Concern] = set()
    text = _normalize(text)

    if _EMAIL.search(text) or _EMAIL_WORDS.search(text):
        found.add(Concern.EMAIL)
    text = _EMAIL.sub(" ", text)

    # Own links are taken out of everything; other links only out of what phones see.
    kept: list[str] = []
    without_links: list[str] = []
    last = 0
    for link in _LINK.finditer(text):
        host = _host(link[0])
        kept.append(text[last : link.start()])
        without_links.append(text[last : link.start()])
        if host and _is_own(host, own):
            kept.append(" ")
        else:
            found.add(Concern.LINK)
            kept.append(link[0])
        without_links.append(" ")
        last = link.end()
    text_kept = "".join(kept) + text[last:]
    text_bare = "".join(without_links) + text[last:]

    if _is_payment(text_kept):
        found.add(Concern.PAYMENT_ELSEWHERE)
    if _MESSENGER.search(text_kept):
        found.add(Concern.MESSENGER)
    if _PHONE_WORDS.search(text_kept) or _has_phone(_PAYMENT.sub(" ", text_bare)):
        found.add(Concern.PHONE)
    return tuple(c for c in Concern if c in found)
