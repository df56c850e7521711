"""Off-platform contact in chat messages: what is caught, and trade talk that stays clean."""

from __future__ import annotations

import pytest

from resale.conversations.safety import Concern, concerns

PAY = Concern.PAYMENT_ELSEWHERE
PHONE = Concern.PHONE
EMAIL = Concern.EMAIL
MSG = Concern.MESSENGER
LINK = Concern.LINK

CAUGHT: list[tuple[str, tuple[Concern, ...]]] = [
    # English: payment
    ("Pay me by bank transfer and I'll ship today", (PAY,)),
    ("Send it via PayPal friends and family please", (PAY,)),
    ("Can you pay through Western Union?", (PAY,)),
    ("I only accept Venmo or Zelle", (PAY,)),
    ("Revolut me the money and it's yours", (PAY,)),
    ("Buy a $100 Steam gift card and send me the code", (PAY,)),
    ("My IBAN is GB29 NWBK 6016 1331 9268 19", (PAY,)),
    ("I need a small deposit first to hold it", (PAY,)),
    ("We can deal outside the app, it's cheaper", (PAY,)),
    ("Pay with bitcoin and I knock 10% off", (PAY,)),
    # English: phone, e-mail, messengers, links
    ("Text me on WhatsApp +44 7700 900123", (PHONE, MSG)),
    ("call me 07700 900123", (PHONE,)),
    ("My number: 06 12 34 56 78", (PHONE,)),
    ("(555) 123-4567 after 6pm", (PHONE,)),
    ("80€ ok, 06 12 34 56 78", (PHONE,)),
    ("What's your phone number?", (PHONE,)),
    ("john.doe@gmail.com", (EMAIL,)),
    ("write to john dot doe at gmail dot com", (EMAIL,)),
    ("john(at)gmail.com", (EMAIL,)),
    ("john [at] example [dot] org", (EMAIL,)),
    ("my gmail is bobsmith99", (EMAIL,)),
    ("Add me on Telegram @cheapphones", (MSG,)),
    ("t.me/cheapphones", (MSG, LINK)),
    ("wa.me/447700900123", (MSG, LINK)),
    ("Follow my insta, more stuff there", (MSG,)),
    ("DM me on snap: jdoe99", (MSG,)),
    ("Let's talk on Signal", (MSG,)),
    ("Insta: @vintage.finds", (MSG,)),
    ("See more photos at www.example.com", (LINK,)),
    ("Cheaper here: bit.ly/3abcXYZ", (LINK,)),
    ("https://shop.example.net/item?id=5", (LINK,)),
    ("check mydeals.fr/sofa", (LINK,)),
    ("example dot com", (LINK,)),
    ("http://192.168.1.10:8000/x", (LINK,)),
    (
        "Pay via PayPal, email me at bob@mail.com or text +1 555 123 4567, see bob.shop",
        (PAY, PHONE, EMAIL, LINK),
    ),
    ("whatsapp me, whatsapp or telegram", (MSG,)),
    # French
    ("Je préfère un virement, je vous envoie mon RIB", (PAY,)),
    ("Paiement par Lydia ou Paylib ?", (PAY,)),
    ("PayPal entre proches stp", (PAY,)),
    ("On peut régler en dehors de la plateforme", (PAY,)),
    ("Mon numéro est le +33 6 12 34 56 78", (PHONE,)),
    ("06.12.34.56.78", (PHONE,)),
    ("Ajoute-moi sur WhatsApp au 06 12 34 56 78", (PHONE, MSG)),
    ("Envoie-moi un mail à marie.l@laposte.net", (EMAIL,)),
    ("jean.dupont arobase orange point fr", (EMAIL,)),
    # Chinese
    ("支付宝转账给我，我马上发货", (PAY,)),
    ("微信转账可以吗", (PAY,)),
    ("先付定金50", (PAY,)),
    ("私下交易更便宜", (PAY,)),
    ("不走闲鱼，线下交易", (PAY,)),
    ("打款到我银行卡", (PAY,)),
    ("电话138-1234-5678", (PHONE,)),
    ("+86 138 1234 5678", (PHONE,)),
    ("13812345678", (PHONE,)),
    ("一三八一二三四五六七八", (PHONE,)),
    ("留个电话吧", (PHONE,)),
    ("加我微信详聊", (MSG,)),
    ("vx：abc123", (MSG,)),
    ("wx: j_doe", (MSG,)),
    ("加v 13812345678", (PHONE, MSG)),
    ("我的QQ号是12345678", (MSG,)),
    ("扣扣联系", (MSG,)),
    ("私聊我", (MSG,)),
    ("威信 abc", (MSG,)),
    ("薇信号 abc", (MSG,)),
    ("QQ邮箱：12345678", (EMAIL,)),
    ("邮箱 12345678@qq.com", (EMAIL,)),
    ("淘宝链接 taobao.com/item/123", (LINK,)),
    # obfuscated and full-width
    ("１３８１２３４５６７８", (PHONE,)),
    ("0 6 1 2 3 4 5 6 7 8", (PHONE,)),
    ("０６－１２－３４－５６－７８", (PHONE,)),
    ("加ｖｘ", (MSG,)),
    ("ｗｈａｔｓａｐｐ", (MSG,)),
    ("w h a t s a p p me", (MSG,)),
    ("what\u200bsapp", (MSG,)),
    ("name＠qq.com", (EMAIL,)),
    ("ＷＷＷ．ＥＸＡＭＰＬＥ．ＣＯＭ", (LINK,)),
]

CLEAN = [
    "Is it still available?",
    "Can you do 80€?",
    "I can pick it up Saturday at 14:30",
    "It's 128GB, model A2172",
    "Meet at Bastille metro exit 3",
    "九成新，可小刀，自提",
    "周六下午3点地铁站见",
    "价格800元，不包邮",
    "iPhone 12 国行 128G",
    "尺码42，2023年买的",
    "Dimensions 120 x 60 x 75 cm, weight 12.5 kg",
    "Price 1 200 €, firm",
    "Order #123456 arrived yesterday",
    "order 1234567890 was refunded",
    "Postcode 75011, Paris 11e",
    "Battery at 87%, iOS 17.4.1",
    "Shipping with Colissimo costs 6.50€",
    "Is 2,000 yen ok? Or 1,500?",
    "Ready at 10.30 tomorrow, between 18:00 and 19:30",
    "Model number SM-G991B, 128 GB, 8 GB RAM",
    "Bought on 12/05/2023, receipt included",
    "Photo taken 2024-03-15 at 09:45",
    "Sizes 38 40 42 44 46",
    "The years 2019 2020 2021 were great",
    "The IMEI is 356938035643809",
    "Signal is great, no scratches",
    "My sister Lydia will pick it up",
    "The messenger bag is still available",
    "What app do you use for photos?",
    "e.g. the blue one, i.e. the big one",
    "I'll send it by post tomorrow",
    "Je peux passer samedi à 14h30, c'est toujours dispo ?",
    "Remise en main propre possible à Lyon",
    "可以便宜点吗？还在吗",
    "成色怎么样，有没有划痕",
    "明天下午两点可以自提",
    "电池健康85%，箱说全，发票在",
    "2023年6月购入，保修到2024年6月",
    "可以面交吗，闲鱼上同款卖1200",
    "顺丰到付可以吗",
    "Insta360 X3 with case",
    "Ledger wallet for bitcoin, like new",
    "What's apple's warranty here?",
]


@pytest.mark.parametrize(("text", "expected"), CAUGHT)
def test_caught(text: str, expected: tuple[Concern, ...]) -> None:
    assert concerns(text) == expected


@pytest.mark.parametrize("text", CLEAN)
def test_trade_talk_is_clean(text: str) -> None:
    assert concerns(text) == ()


@pytest.mark.parametrize(
    "text",
    [
        "http://localhost:8000/listings/42",
        "See 127.0.0.1:8000/listings/1234567890",
        "https://LOCALHOST/listings/7?ref=chat",
    ],
)
def test_links_to_our_own_host_are_fine(text: str) -> None:
    assert concerns(text) == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://resale.fr/listings/5", ()),
        ("www.resale.fr/listings/5", ()),
        ("resale.fr/listings/5", ()),
        ("https://resale.fr.evil.com/login", (LINK,)),
        ("http://localhost:8000/listings/42", (LINK,)),
    ],
)
def test_own_hosts_are_chosen_by_the_caller(text: str, expected: tuple[Concern, ...]) -> None:
    assert concerns(text, own_hosts=["Resale.FR"]) == expected


def test_labels_are_english_and_each_kind_has_one() -> None:
    assert Concern.PHONE.label == "a phone number"
    assert Concern.PAYMENT_ELSEWHERE.label == "a request to pay outside resale"
    assert len({c.label for c in Concern}) == len(Concern)


def test_kinds_come_once_in_a_fixed_order() -> None:
    text = "see x.com, telegram @me, 06 12 34 56 78, a@b.org, by bank transfer, x.com again"
    assert concerns(text) == (PAY, PHONE, EMAIL, MSG, LINK)


@pytest.mark.parametrize(
    "text", ["1 " * 5000, "a." * 10000, "a at " * 5000, "1-" * 5000 + "x", "@" * 10000]
)
def test_long_messages_do_not_hang(text: str) -> None:
    assert isinstance(concerns(text), tuple)
