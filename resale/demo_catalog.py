"""What the demo marketplace sells: per leaf category, items, brands, prices, weights, phrases.

Pure data plus small helpers that draw only from the ``random.Random`` they are
given, so ``resale seed`` makes the same marketplace from the same seed.

Compact notation, to keep 81 categories readable:

- lists are ``|``-separated strings;
- a model ``"Apple: iPhone 12"`` belongs to one brand and its title is the text
  after the colon; ``*`` there stands for the brand (``"IKEA: * Billy bookcase"``);
- a model without a colon is generic and may be given one of the category's brands;
- ``" @1.5"`` at the end of a model is its typical weight in kg, for categories
  whose range is too wide to guess from (a yoga mat and a treadmill);
- models and brands are listed roughly from cheapest to dearest: the price is
  drawn from the part of the category's range that matches their position.

Sellers who live in China write in Chinese: their titles, brands and descriptions
come from ``resale.demo_catalog_zh`` (same categories, same notation); prices,
weights and shares come from here for everyone.
"""

from __future__ import annotations

import math
import random
import unicodedata
from dataclasses import dataclass

from listings.models import Condition
from resale import demo_catalog_zh as zh
from resale.core.geo import Place
from resale.core.taxonomy import LEAVES, PARENTS
from resale.demo_notation import Model
from resale.demo_notation import parse_models as _models
from resale.demo_notation import split_list as _list

Rgb = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class LeafCatalog:
    slug: str
    share: float  # relative number of listings: lots of clothes, few fridges
    price_cents: tuple[int, int]  # typical asking price, used, in good condition (EUR)
    weight_kg: tuple[float, float]
    models: tuple[Model, ...]
    brands: tuple[str, ...]  # for generic models
    brand_rate: float  # how often a generic model is given a brand
    details: tuple[str, ...]  # size, colour, storage... appended to some titles
    notes: tuple[str, ...]  # what sellers of this kind of item say about it


@dataclass(frozen=True, slots=True)
class GroupStyle:
    """How a parent category looks on demo photos and which phrases fit its items."""

    kind: str  # tech, appliance, wear, home, bike, baby, media, toys, sport
    colours: tuple[Rgb, Rgb]  # gradient of the demo photos
    icon: str


@dataclass(frozen=True, slots=True)
class Item:
    """One generated listing's words and numbers."""

    title: str
    brand: str | None
    price_cents: int
    weight_kg: float | None
    description: str


def _leaf(
    slug: str,
    share: float,
    eur: tuple[float, float],
    kg: tuple[float, float],
    models: str,
    *,
    brands: str = "",
    brand_rate: float = 0.0,
    details: str = "",
    notes: str,
) -> LeafCatalog:
    return LeafCatalog(
        slug=slug,
        share=share,
        price_cents=(round(eur[0] * 100), round(eur[1] * 100)),
        weight_kg=kg,
        models=_models(models),
        brands=_list(brands),
        brand_rate=brand_rate,
        details=_list(details),
        notes=_list(notes),
    )


_WOMEN_SIZES = "size XS|size S|size M|size L|size XL|size 36|size 38|size 40|size 42"
_MEN_SIZES = "size S|size M|size L|size XL|size XXL"
_SHOE_SIZES = "EU 36|EU 37|EU 38|EU 39|EU 40|EU 41|EU 42|EU 43|EU 44|EU 45"

_CATALOG: tuple[LeafCatalog, ...] = (
    # Electronics
    _leaf(
        "phones",
        5.0,
        (40, 750),
        (0.14, 0.24),
        "Samsung: Galaxy A12|Xiaomi: Redmi Note 10|Motorola: Moto G54|Apple: iPhone 8|"
        "Samsung: Galaxy A52|Apple: iPhone SE (2020)|Google: Pixel 6a|Apple: iPhone 11|"
        "Fairphone: Fairphone 4|Samsung: Galaxy S21|Apple: iPhone 12|Google: Pixel 7|"
        "Apple: iPhone 13 mini|Samsung: Galaxy S23|Apple: iPhone 14|Apple: iPhone 15 Pro",
        details="64 GB, unlocked|128 GB, unlocked|128 GB, black|256 GB, blue|128 GB, with case|"
        "64 GB, dual SIM|256 GB, unlocked|128 GB, white",
        notes="Battery still lasts a full day of normal use.|"
        "Always kept in a case with a screen protector, so the screen has no scratches.|"
        "Factory reset and signed out of every account, ready for a new SIM.|"
        "Unlocked, so it works with any network.|Comes with the original box and cable.",
    ),
    _leaf(
        "tablets",
        1.5,
        (40, 600),
        (0.18, 0.7),
        "Kobo: * Clara HD|Amazon: Kindle Paperwhite|Amazon: Fire HD 10|Kobo: * Libra 2|"
        "Samsung: Galaxy Tab A8|Lenovo: * Tab P11|Apple: iPad 9th generation|"
        "Samsung: Galaxy Tab S7|Apple: iPad Air 4|reMarkable: * 2|Apple: iPad Pro 11",
        details="Wi-Fi, 64 GB|32 GB|with cover|Wi-Fi and cellular|with charger and case|256 GB",
        notes="Comes with a folio cover that has kept it spotless.|"
        "Reset to factory settings and removed from my account.|"
        "The battery still lasts a long weekend of reading.|No scratches on the screen.",
    ),
    _leaf(
        "laptops",
        2.5,
        (120, 1400),
        (1.0, 2.4),
        "Acer: * Aspire 5|HP: * Pavilion 15|Lenovo: * IdeaPad 5|Dell: * Inspiron 14|"
        "Lenovo: * ThinkPad T480|ASUS: * ZenBook 14|Dell: * XPS 13|"
        "Microsoft: Surface Laptop 4|Apple: MacBook Air M1|Lenovo: * ThinkPad X1 Carbon|"
        "Apple: MacBook Pro 14 M1 Pro",
        details="8 GB RAM, 256 GB SSD|16 GB RAM, 512 GB SSD|with charger|QWERTY keyboard|"
        "AZERTY keyboard|16 GB RAM, 1 TB SSD",
        notes="Battery holds about four hours of normal use.|"
        "Freshly reinstalled, with none of my data on it.|Comes with the original charger.|"
        "Keyboard and trackpad work perfectly; no dead pixels on the screen.",
    ),
    _leaf(
        "desktop-computers",
        0.6,
        (100, 1200),
        (2.5, 12.0),
        "HP: * EliteDesk 800 mini PC|Dell: * OptiPlex 7050|Lenovo: * ThinkCentre M720q|"
        "Apple: Mac mini M1|custom gaming PC|Apple: iMac 24-inch M1|custom gaming PC with RTX 3070",
        details="16 GB RAM, 512 GB SSD|8 GB RAM, 256 GB SSD|with keyboard and mouse|Windows 11",
        notes="Windows is activated and freshly installed.|"
        "Quiet and cool; I cleaned the fans last month.|No monitor included.|"
        "Runs everything I threw at it, including recent games on medium settings.",
    ),
    _leaf(
        "monitors",
        1.0,
        (40, 400),
        (3.0, 8.0),
        "24-inch full HD monitor|BenQ: * GW2480 24-inch|Dell: * P2419H 24-inch|"
        "27-inch monitor|Samsung: * 27-inch curved monitor|LG: * 27-inch 4K monitor|"
        "Dell: * UltraSharp U2720Q|LG: * 34-inch UltraWide",
        brands="AOC|Philips|BenQ|Dell|Samsung|LG",
        brand_rate=0.8,
        details="with HDMI cable|with stand|with USB-C cable|height-adjustable stand",
        notes="No dead pixels and no burn-in.|Comes with the power and HDMI cables.|"
        "Swapped it for a bigger screen when I started working from home.",
    ),
    _leaf(
        "tvs",
        1.0,
        (60, 700),
        (6.0, 22.0),
        "32-inch HD TV|43-inch 4K TV|50-inch 4K smart TV|55-inch 4K smart TV|55-inch OLED TV|"
        "65-inch 4K QLED TV",
        brands="Hisense|TCL|Philips|Panasonic|Samsung|Sony|LG",
        brand_rate=0.95,
        details="with remote|with wall bracket|with stand|Netflix and YouTube built in",
        notes="Remote and stand included.|Picture is perfect, no dead pixels or lines.|"
        "Too big for our new flat.|I still have the original box, which makes it easy to carry.",
    ),
    _leaf(
        "audio",
        2.0,
        (15, 300),
        (0.2, 6.0),
        "JBL: * Go 3 speaker @0.2|JBL: * Flip 5 speaker @0.6|Apple: AirPods (2nd generation) @0.1|"
        "Marshall: * Major IV headphones @0.2|Bose: * SoundLink Flex speaker @0.6|"
        "Sennheiser: * HD 560S headphones @0.3|Apple: AirPods Pro @0.1|Sonos: * One speaker @1.9|"
        "Marshall: * Stanmore II speaker @4.7|Sony: * WH-1000XM4 headphones @0.3|"
        "Bose: * QuietComfort 45 headphones @0.3",
        details="black|white|with case|with charging cable|boxed",
        notes="Sound is great, with no crackling at any volume.|"
        "Ear pads were replaced recently.|The battery still lasts many hours.|"
        "Pairs instantly with phones and laptops.",
    ),
    _leaf(
        "cameras",
        0.8,
        (40, 900),
        (0.2, 1.5),
        "Canon: * PowerShot SX620 @0.2|Fujifilm: Instax Mini 11 @0.3|Olympus: * OM-10 film camera @0.6|"
        "Canon: * EOS 2000D with 18-55 mm lens @0.9|Nikon: * D3500 with kit lens @0.8|"
        "GoPro: * HERO9 @0.2|Sony: * Alpha a6000 with 16-50 mm lens @0.5|Fujifilm: * X-T30 body @0.4|"
        "Sony: * Alpha 7 II body @0.6",
        details="with bag|with two batteries|with charger|with 32 GB card|low shutter count",
        notes="Shutter count is low; it mostly sat in a drawer.|"
        "The lens is clean, with no fungus or haze.|Comes with a spare battery and a strap.|"
        "I moved to shooting on my phone, so it deserves someone who will use it.",
    ),
    _leaf(
        "game-consoles",
        1.2,
        (50, 450),
        (0.3, 4.5),
        "Nintendo: * Switch Lite @0.3|Nintendo: * Switch @0.4|Sony: PlayStation 4 Slim @2.1|"
        "Microsoft: Xbox Series S @1.9|Nintendo: * Switch OLED @0.4|"
        "Sony: PlayStation 5 Digital Edition @3.9|Sony: PlayStation 5 disc edition @4.5",
        details="with two controllers|with three games|500 GB|1 TB|boxed|with dock",
        notes="Both controllers work perfectly, with no stick drift.|"
        "Comes with all the cables and the original box.|Reset and logged out of my account.|"
        "Happy to throw in a couple of games.",
    ),
    _leaf(
        "smartwatches",
        0.7,
        (30, 350),
        (0.03, 0.1),
        "Xiaomi: Mi Band 7|Fitbit: * Charge 5|Garmin: * Forerunner 55|"
        "Samsung: Galaxy Watch 4|Apple: * Watch SE 40 mm|Garmin: * Fenix 6|Apple: * Watch Series 7 45 mm",
        details="with charger|with two straps|black|boxed",
        notes="The glass has no scratches.|The battery still lasts days between charges.|"
        "Unpaired from my phone and reset.|Comes with an extra strap.",
    ),
    _leaf(
        "computer-accessories",
        1.2,
        (8, 140),
        (0.1, 2.0),
        "wireless mouse @0.1|Anker: * USB-C hub @0.1|laptop stand @0.9|"
        "Logitech: * K380 keyboard @0.4|webcam @0.2|Seagate: * 2 TB external hard drive @0.2|"
        "Logitech: * C920 webcam @0.2|Keychron: * K2 mechanical keyboard @0.8|"
        "Logitech: * MX Master 3 mouse @0.2|Dell: * WD19 USB-C docking station @0.9",
        notes="Works with Mac, Windows and Linux.|Comes with its cable.|"
        "Left over from when I worked from home full time.",
    ),
    # Women's clothing
    _leaf(
        "women-dresses",
        5.0,
        (5, 80),
        (0.2, 0.6),
        "summer dress|floral midi dress|wrap dress|linen dress|knit dress|little black dress|"
        "maxi dress|shirt dress|silk slip dress|evening dress",
        brands="Primark|H&M|Mango|Zara|& Other Stories|Sézane|Reformation|Ganni",
        brand_rate=0.85,
        details=_WOMEN_SIZES + "|navy blue|green|black",
        notes="Worn twice, for a wedding and a birthday.|Soft fabric with no pilling.|"
        "Fits true to size; I'm 1.68 m for reference.|Lined, so it is not see-through.",
    ),
    _leaf(
        "women-tops",
        4.0,
        (3, 40),
        (0.1, 0.4),
        "basic T-shirt|striped Breton top|linen blouse|tank top|ribbed long-sleeve top|"
        "crop top|embroidered blouse|silk blouse",
        brands="Primark|H&M|Uniqlo|Zara|Mango|COS|Petit Bateau|Sézane",
        brand_rate=0.85,
        details=_WOMEN_SIZES + "|white|black|cream",
        notes="No stains or holes.|Washed at 30 degrees and dried flat, so it has kept its shape.|"
        "Bundle discount if you take two tops.|Lovely light fabric for summer.",
    ),
    _leaf(
        "women-jeans",
        3.0,
        (8, 70),
        (0.4, 0.8),
        "skinny jeans|mom jeans|straight-leg jeans|high-waisted jeans|bootcut jeans|"
        "wide-leg jeans|Levi's: * 501 jeans|Levi's: * Ribcage straight jeans",
        brands="H&M|Zara|Mango|Weekday|Levi's|Acne Studios|Agolde",
        brand_rate=0.85,
        details="W26 L30|W27 L32|W28 L32|W29 L30|W30 L32|size 36|size 38|size 40",
        notes="No fading at the knees.|A bit long for me; I'm 1.60 m.|"
        "Thick denim that stretches very little.|Zip and button are perfect.",
    ),
    _leaf(
        "women-trousers-skirts",
        3.0,
        (5, 60),
        (0.2, 0.6),
        "denim mini skirt|pleated midi skirt|culottes|tailored trousers|cargo trousers|"
        "wide-leg linen trousers|leather-look skirt|wool skirt",
        brands="H&M|Zara|Mango|Arket|COS|& Other Stories|Massimo Dutti",
        brand_rate=0.8,
        details=_WOMEN_SIZES + "|black|beige|navy blue",
        notes="Has pockets, which is rare.|High waist with a side zip.|"
        "Only worn to the office a few times.",
    ),
    _leaf(
        "women-jumpers",
        3.0,
        (8, 90),
        (0.3, 0.8),
        "cardigan|cable-knit jumper|oversized knit|turtleneck|merino jumper|mohair cardigan|"
        "cashmere jumper",
        brands="H&M|Uniqlo|Zara|Arket|COS|Massimo Dutti|Sézane|Ganni",
        brand_rate=0.85,
        details=_WOMEN_SIZES + "|cream|grey|camel",
        notes="No pilling; it has been kept folded in a drawer.|Very warm, perfect for winter.|"
        "Only ever hand-washed.|Not itchy at all.",
    ),
    _leaf(
        "women-coats",
        3.0,
        (20, 250),
        (0.6, 2.0),
        "denim jacket|rain jacket|puffer jacket|trench coat|faux-fur coat|wool coat|"
        "leather jacket|down parka",
        brands="H&M|Zara|Mango|Rains|Massimo Dutti|The North Face|Patagonia|Arc'teryx",
        brand_rate=0.85,
        details=_WOMEN_SIZES + "|black|camel|khaki",
        notes="All zips and buttons work.|Very warm; I just have too many coats.|"
        "The lining is intact.|Has a detachable hood.",
    ),
    _leaf(
        "women-sportswear",
        1.5,
        (5, 60),
        (0.1, 0.6),
        "sports bra|cycling shorts|running leggings|yoga leggings|training top|tennis skirt|"
        "running jacket",
        brands="Decathlon|Puma|Nike|Adidas|Under Armour|Lululemon",
        brand_rate=0.85,
        details="size XS|size S|size M|size L|black|navy blue",
        notes="Squat-proof, and the fabric is still firm.|Has a zip pocket for keys.|"
        "Bought for a half marathon and only worn for training.",
    ),
    # Men's clothing
    _leaf(
        "men-shirts",
        3.5,
        (3, 45),
        (0.15, 0.4),
        "basic T-shirt|graphic T-shirt|polo shirt|Oxford shirt|flannel shirt|denim shirt|linen shirt",
        brands="Primark|H&M|Uniqlo|Zara|Carhartt|Arket|Ralph Lauren|A.P.C.",
        brand_rate=0.85,
        details=_MEN_SIZES + "|slim fit|white|light blue",
        notes="No stains, collar in good shape.|Washed and ironed before listing.|"
        "Bought two in the same size by mistake.",
    ),
    _leaf(
        "men-jeans",
        2.5,
        (8, 80),
        (0.5, 0.9),
        "slim jeans|straight jeans|tapered jeans|Levi's: * 511 slim jeans|Levi's: * 501 jeans|"
        "selvedge jeans",
        brands="H&M|Zara|Uniqlo|Carhartt|Levi's|Nudie Jeans|A.P.C.",
        brand_rate=0.85,
        details="W30 L32|W31 L30|W32 L32|W32 L34|W34 L32|W36 L34",
        notes="No holes, no fading at the knees.|Raw denim that is only just broken in.|"
        "Too tight since lockdown.",
    ),
    _leaf(
        "men-trousers",
        2.0,
        (5, 60),
        (0.3, 0.8),
        "shorts|chinos|cargo trousers|work trousers|corduroy trousers|linen trousers|wool trousers",
        brands="H&M|Uniqlo|Zara|Dickies|Carhartt|COS|Massimo Dutti",
        brand_rate=0.8,
        details="W30|W32|W34|W36|size M|size L|beige|navy blue|olive",
        notes="Hardly worn; they were a bit short for me.|No stains.|Belt loops all intact.",
    ),
    _leaf(
        "men-jumpers",
        2.5,
        (8, 90),
        (0.4, 0.9),
        "hoodie|crewneck sweatshirt|zip hoodie|fleece|merino jumper|cable-knit jumper|"
        "lambswool jumper",
        brands="H&M|Uniqlo|Champion|Carhartt|Patagonia|Arket|Ralph Lauren",
        brand_rate=0.85,
        details=_MEN_SIZES + "|grey|navy blue|forest green",
        notes="Warm and soft, with no holes.|Cuffs are not stretched.|"
        "Shrank slightly, so it now fits a size smaller.",
    ),
    _leaf(
        "men-coats",
        2.5,
        (20, 250),
        (0.7, 2.2),
        "denim jacket|rain jacket|overshirt|bomber jacket|puffer jacket|wool coat|parka|"
        "leather jacket",
        brands="H&M|Zara|Uniqlo|Rains|Carhartt|Barbour|The North Face|Patagonia|Arc'teryx",
        brand_rate=0.85,
        details=_MEN_SIZES + "|black|navy blue|olive",
        notes="Waterproof, and it still beads the rain.|All zips work.|"
        "Warm enough for a Berlin winter.|Plenty of pockets.",
    ),
    _leaf(
        "men-suits",
        1.0,
        (20, 250),
        (0.5, 2.0),
        "blazer|linen blazer|two-piece suit|wool suit|three-piece suit|tuxedo",
        brands="H&M|Zara|Mango|Massimo Dutti|Suitsupply|Hugo Boss|Paul Smith",
        brand_rate=0.85,
        details="size 46|size 48|size 50|size 52|size 38R|size 40R|size 42R|navy blue|charcoal",
        notes="Worn once, for a wedding.|Dry-cleaned and ready to wear.|"
        "Trousers were hemmed for someone about 1.80 m tall.",
    ),
    _leaf(
        "men-sportswear",
        1.2,
        (5, 60),
        (0.1, 0.8),
        "running shorts|training T-shirt|football shirt|track jacket|cycling jersey|tracksuit|"
        "running jacket",
        brands="Decathlon|Puma|Adidas|Nike|Under Armour|Castelli",
        brand_rate=0.85,
        details=_MEN_SIZES,
        notes="Breathable and quick-drying.|Reflective details for running in the dark.|"
        "Only worn a few times at the gym.",
    ),
    # Kids' clothing
    _leaf(
        "baby-clothes",
        3.0,
        (3, 35),
        (0.1, 1.5),
        "sleepsuit @0.15|knitted cardigan @0.15|dungarees @0.2|bundle of 10 bodysuits @0.8|"
        "sleeping bag @0.4|snowsuit @0.5|bundle of baby clothes @1.5",
        brands="Primark|H&M|Kiabi|Zara|Petit Bateau|Vertbaudet|Frugi",
        brand_rate=0.7,
        details="newborn|0-3 months|3-6 months|6-12 months|12-18 months|18-24 months",
        notes="Washed with fragrance-free detergent.|"
        "Our baby grew out of it before wearing it much.|"
        "Happy to add a few extra bodysuits.|Poppers all work.",
    ),
    _leaf(
        "kids-clothes",
        3.0,
        (3, 40),
        (0.1, 2.0),
        "T-shirt @0.15|jeans @0.3|hoodie @0.35|party dress @0.3|rain jacket @0.4|"
        "school uniform set @0.6|winter coat @0.8|ski suit @1.0|bundle of clothes @2.0",
        brands="Primark|H&M|Kiabi|Zara|Petit Bateau|Boden|Name It|Patagonia",
        brand_rate=0.7,
        details="age 2-3|age 3-4|age 4-5|age 6|age 8|age 10|age 12",
        notes="Outgrown, not worn out.|Some wear on the knees, nothing major.|"
        "Bundle price; I'd rather not split it.|Name label can be removed.",
    ),
    _leaf(
        "kids-shoes",
        1.5,
        (5, 40),
        (0.2, 0.8),
        "sandals|light-up trainers|trainers|rain boots|school shoes|first walking shoes|"
        "winter boots",
        brands="Decathlon|Geox|Adidas|Nike|Clarks|Start-rite|Bobux",
        brand_rate=0.75,
        details="size 22|size 24|size 26|size 28|size 30|size 32|size 34",
        notes="Lots of tread left on the soles.|Velcro straps still grip well.|"
        "Worn for one season only; feet grow fast.",
    ),
    # Shoes
    _leaf(
        "sneakers",
        3.0,
        (15, 160),
        (0.6, 1.2),
        "Converse: * Chuck Taylor All Star|Vans: * Old Skool|Adidas: * Stan Smith|"
        "Nike: * Air Force 1|Adidas: * Samba|Veja: * V-10|New Balance: * 550|Nike: * Air Max 90|"
        "New Balance: * 990v5|Salomon: * XT-6",
        details=_SHOE_SIZES + "|UK 8|UK 9",
        notes="Soles have plenty of grip left.|Worn a handful of times, then they sat in the box.|"
        "Cleaned before listing.|Original box and spare laces included.",
    ),
    _leaf(
        "boots",
        2.0,
        (15, 150),
        (0.8, 2.0),
        "ankle boots|Chelsea boots|knee-high boots|hiking boots|Dr. Martens: * 1460 boots|"
        "Timberland: * 6-inch boots|Blundstone: * 500 Chelsea boots|Red Wing: * Iron Ranger boots",
        brands="Zara|Mango|Clarks|Ecco|Geox",
        brand_rate=0.6,
        details=_SHOE_SIZES,
        notes="Resoled last winter.|Leather is conditioned and supple.|"
        "Waterproof; they survived a rainy autumn without a leak.",
    ),
    _leaf(
        "dress-shoes",
        1.5,
        (10, 120),
        (0.5, 1.2),
        "ballet flats|block heels|court shoes|ankle-strap heels|loafers|Derby shoes|"
        "leather brogues|Oxford shoes",
        brands="Zara|Mango|Clarks|Geox|Ecco|Repetto",
        brand_rate=0.6,
        details=_SHOE_SIZES,
        notes="Worn to one wedding and then kept in their dust bag.|"
        "Heels show no scuffs.|Leather soles with plenty of life left.",
    ),
    _leaf(
        "sandals",
        1.2,
        (5, 70),
        (0.2, 0.8),
        "flip-flops|espadrilles|wedge sandals|leather sandals|Teva: * Hurricane sandals|"
        "Birkenstock: * Gizeh sandals|Birkenstock: * Arizona sandals",
        brands="Havaianas|Zara|Mango|Ecco",
        brand_rate=0.4,
        details=_SHOE_SIZES,
        notes="The footbed is moulded but still comfortable.|Straps are fully adjustable.|"
        "Worn for one summer holiday.",
    ),
    # Bags & accessories
    _leaf(
        "handbags",
        2.0,
        (10, 900),
        (0.3, 1.2),
        "canvas tote bag|crossbody bag|leather shoulder bag|Longchamp: * Le Pliage tote|"
        "Fossil: * leather crossbody bag|Michael Kors: * Jet Set tote|Coach: * Tabby shoulder bag|"
        "Polène: * Numéro Un|Louis Vuitton: * Speedy 30",
        brands="Zara|Mango|COS|Sandqvist",
        brand_rate=0.6,
        details="black|tan|burgundy|with dust bag|with long strap",
        notes="Corners show no wear.|The inside is clean, with no pen marks.|"
        "Comes with the dust bag and receipt.|Fits a 13-inch laptop.",
    ),
    _leaf(
        "backpacks",
        2.0,
        (10, 220),
        (0.4, 5.0),
        "school backpack @0.6|Eastpak: * Padded Pak'r backpack @0.4|Fjällräven: * Kånken backpack @0.3|"
        "Herschel: * Little America backpack @0.9|hiking backpack 40 l @1.3|cabin suitcase @2.8|"
        "Samsonite: * cabin suitcase @2.5|Osprey: * Farpoint 40 travel pack @1.6|"
        "large suitcase @4.5|Rimowa: * Essential cabin suitcase @3.2",
        details="black|navy blue|with laptop sleeve|four wheels",
        notes="Zips run smoothly and the wheels roll straight.|No tears or stains inside.|"
        "Fits airline cabin size rules.",
    ),
    _leaf(
        "watches",
        1.0,
        (15, 1500),
        (0.05, 0.2),
        "Casio: * F-91W|Casio: * G-Shock GA-2100|Swatch: * Sistem51|Timex: * Marlin|"
        "Daniel Wellington: * Classic|Seiko: * 5 Sports|Tissot: * PRX|Hamilton: * Khaki Field|"
        "Longines: * HydroConquest",
        details="with box and papers|on the original strap|40 mm|38 mm|serviced last year",
        notes="Keeps good time.|Light desk-diving marks on the clasp only.|"
        "New battery fitted last month.|Comes with an extra strap.",
    ),
    _leaf(
        "jewellery",
        1.5,
        (5, 300),
        (0.01, 0.1),
        "silver hoop earrings|gold-plated necklace|charm bracelet|silver ring|vintage brooch|"
        "pearl necklace|Pandora: * charm bracelet|Swarovski: * pendant|9 ct gold ring",
        details="sterling silver|with box|ring size 54|45 cm chain",
        notes="Cleaned and polished.|Comes in a gift box.|"
        "Not my style any more; it deserves to be worn.",
    ),
    # Furniture
    _leaf(
        "sofas",
        2.5,
        (40, 900),
        (15.0, 90.0),
        "IKEA: * Poäng armchair @14|IKEA: * Klippan 2-seat sofa @37|sofa bed @55|"
        "IKEA: * Ektorp 3-seat sofa @55|velvet armchair @20|IKEA: * Kivik 3-seat sofa @60|"
        "leather armchair @28|corner sofa @85|Made.com: * Scott 3-seat sofa @50|"
        "Chesterfield sofa @75|BoConcept: * Osaka corner sofa @90",
        brands="Maisons du Monde|Habitat|La Redoute",
        brand_rate=0.3,
        details="grey|dark blue|beige|green velvet|light grey, washable covers|brown leather|"
        "mustard yellow",
        notes="Covers are removable and were just washed.|No pets, no smoking.|"
        "You'll need two people to carry it; it fits through a standard door.|"
        "Cushions are still firm.",
    ),
    _leaf(
        "tables",
        1.8,
        (20, 600),
        (5.0, 60.0),
        "IKEA: * Lack side table @4|coffee table @15|folding table @9|"
        "IKEA: * Lisabo dining table @25|marble-top side table @12|extendable dining table @45|"
        "round oak dining table @40|solid oak dining table @60|teak dining table, 1960s @35|"
        "Hay: * About A Table @18",
        brands="Maisons du Monde|Habitat|La Redoute",
        brand_rate=0.25,
        details="seats 4|seats 6|80 × 80 cm|120 × 75 cm|160 × 90 cm|white|oak veneer",
        notes="A few marks on the top, easy to sand out.|The legs unscrew for transport.|"
        "Seats six comfortably, eight at a push.",
    ),
    _leaf(
        "chairs",
        2.0,
        (10, 450),
        (2.0, 20.0),
        "IKEA: * Adde chair @3|bistro chair @4|folding chair @3|bar stool @5|"
        "set of 4 dining chairs @20|office chair @14|bentwood chair @5|"
        "IKEA: * Markus office chair @20|rattan armchair @8|Herman Miller: * Aeron office chair @19",
        brands="Maisons du Monde|Habitat|La Redoute",
        brand_rate=0.25,
        details="black|white|oak|velvet seat|set of two",
        notes="Sturdy, no wobble.|Seat height adjusts smoothly.|"
        "Easy to carry on a bike trailer or in a small car.",
    ),
    _leaf(
        "beds",
        1.5,
        (30, 500),
        (15.0, 80.0),
        "bed frame 90 × 200 @25|metal bed frame 140 × 190 @30|IKEA: * Hemnes daybed @60|"
        "IKEA: * Malm bed frame 160 × 200 @55|bunk bed @65|memory foam mattress 140 × 190 @25|"
        "Emma: * mattress 160 × 200 @32|solid wood bed frame 180 × 200 @75|"
        "Tempur: * mattress 90 × 200 @28",
        details="dismantled, ready to go|with slatted base|assembly instructions included",
        notes="Already dismantled and the screws are bagged.|"
        "Mattress always used with a protector.|No creaks.",
    ),
    _leaf(
        "wardrobes",
        1.5,
        (20, 400),
        (10.0, 120.0),
        "shoe cabinet @18|IKEA: * Kallax shelf unit 2 × 4 @35|chest of drawers @40|"
        "IKEA: * Malm chest of 6 drawers @55|sideboard @45|IKEA: * Pax wardrobe 100 × 201 cm @110|"
        "vintage sideboard @50|mid-century teak sideboard @45|IKEA: * Hemnes wardrobe @95",
        details="white|oak effect|black-brown|with doors",
        notes="Drawers run smoothly.|Needs to be taken apart to get it out; I can help.|"
        "Back panel was never removed, so it's still rigid.",
    ),
    _leaf(
        "desks",
        1.2,
        (20, 400),
        (8.0, 40.0),
        "IKEA: * Micke desk @20|IKEA: * Linnmon desk 120 × 60 @12|corner desk @35|"
        "wooden writing desk @25|secretary desk @30|electric standing desk @35|"
        "IKEA: * Bekant sit/stand desk @40|Flexispot: * E7 standing desk @36",
        details="white|oak|black|with cable tray",
        notes="Height motor is quiet and works perfectly.|"
        "Perfect for a home office corner.|Some small scratches on the top.",
    ),
    _leaf(
        "shelves",
        1.5,
        (10, 250),
        (3.0, 45.0),
        "wall shelf @3|IKEA: * Billy bookcase @30|ladder shelf @8|IKEA: * Kallax shelf 4 × 4 @45|"
        "IKEA: * Ivar shelving unit @20|industrial metal shelf @18|vintage bookcase @35|"
        "String: * Pocket shelf @4",
        details="white|birch|oak effect|black",
        notes="Wall fixings included.|Already taken apart for easy transport.|"
        "Holds a lot of books without sagging.",
    ),
    # Home & garden
    _leaf(
        "lighting",
        2.0,
        (5, 250),
        (0.5, 6.0),
        "IKEA: * Tertial desk lamp @1.2|bedside lamp @1.0|rattan pendant lamp @0.9|floor lamp @5|"
        "Anglepoise: * Type 75 desk lamp @2.2|Philips Hue: * starter kit @0.8|"
        "vintage brass table lamp @2.5|Muuto: * Ambit pendant @1.0",
        details="with bulb|E27|warm white|black|brass",
        notes="Comes with an LED bulb.|The cable and switch are in perfect order.|"
        "Gives a lovely warm light in the evening.",
    ),
    _leaf(
        "kitchenware",
        2.5,
        (3, 150),
        (0.3, 6.0),
        "Bialetti: * Moka Express 6 cups @0.6|set of 6 glasses @1.5|set of 12 plates @6|"
        "Tefal: * Ingenio pan set @3.5|knife set @1.5|cast iron frying pan @2.8|"
        "stainless steel pan set @5|Staub: * cocotte 26 cm @5.5|Le Creuset: * casserole 24 cm @5",
        brands="Tefal|IKEA|Zwilling|WMF",
        brand_rate=0.4,
        details="induction compatible|dishwasher safe|with lids",
        notes="Works on induction, gas and electric hobs.|"
        "No chips or cracks.|Moving in together, so we have two of everything.",
    ),
    _leaf(
        "decor",
        2.0,
        (3, 120),
        (0.2, 8.0),
        "scented candle set @0.8|picture frames, set of 3 @1.5|vase @1.2|wall clock @0.8|"
        "framed print @1.8|houseplant pot @2|mirror @4|large round mirror @7|"
        "vintage ceramic vase @1.5|rug 160 × 230 @6|Berber rug @8",
        details="white|terracotta|black frame|gold frame",
        notes="Redecorated and it no longer fits the room.|No chips.|"
        "Looks lovely with a few plants around it.",
    ),
    _leaf(
        "textiles",
        1.5,
        (5, 120),
        (0.3, 4.0),
        "cushion covers, set of 2 @0.4|bath towels @1.5|duvet cover set 140 × 200 @1.2|"
        "linen curtains @1.5|throw blanket @1.2|duvet 220 × 240 @2.5|wool blanket @1.8|"
        "feather pillows, pair @2|linen duvet cover set 240 × 220 @2",
        brands="IKEA|H&M Home|Zara Home|La Redoute",
        brand_rate=0.5,
        details="white|sage green|grey|natural linen",
        notes="Washed and folded, from a smoke-free home.|No stains or bobbling.|"
        "Bought for the guest room and hardly used.",
    ),
    _leaf(
        "garden",
        1.2,
        (5, 300),
        (1.0, 40.0),
        "plant pots @4|watering can @1|garden tools set @3|hose reel @6|folding bistro set @14|"
        "parasol @8|garden bench @22|barbecue @15|Weber: * kettle barbecue 57 cm @17|"
        "lawn mower @25|Bosch: * cordless lawn mower @14",
        details="with cover|green|black|with battery and charger",
        notes="Moving to a flat without a balcony.|Stored in a shed over winter.|"
        "Cleaned and ready for summer.",
    ),
    _leaf(
        "tools",
        1.5,
        (5, 250),
        (0.5, 15.0),
        "screwdriver set @0.8|spirit level @0.6|toolbox with tools @6|stepladder @6|jigsaw @2.5|"
        "Bosch: * cordless drill @1.5|circular saw @4|Makita: * impact driver @1.6|"
        "DeWalt: * combi drill set @3|Kärcher: * pressure washer @12",
        details="with two batteries|with case|with charger|barely used",
        notes="Works perfectly; used for one flat renovation.|"
        "Batteries still hold their charge well.|Comes with a set of bits.",
    ),
    # Appliances
    _leaf(
        "washing-machines",
        0.6,
        (60, 450),
        (50.0, 85.0),
        "Beko: * washing machine 7 kg|Candy: * washing machine 8 kg|"
        "Whirlpool: * washing machine 8 kg|Bosch: * Serie 4 washing machine|"
        "Samsung: * tumble dryer|Siemens: * iQ500 washing machine|Bosch: * heat-pump dryer|"
        "Miele: * W1 washing machine",
        details="1400 rpm|front loader|energy class A|with installation hoses",
        notes="Fully working; I can show it running when you collect.|"
        "The seal and filter were cleaned before listing.|"
        "Our new flat has a built-in one.",
    ),
    _leaf(
        "fridges",
        0.3,
        (40, 500),
        (20.0, 90.0),
        "mini fridge @20|under-counter fridge @32|chest freezer @40|Beko: * fridge freezer @55|"
        "Bosch: * fridge freezer @65|Samsung: * American fridge freezer @95|"
        "Smeg: * FAB28 retro fridge @45|Liebherr: * fridge freezer @70",
        details="white|stainless steel|cream|no-frost|energy class A++",
        notes="Cold, quiet and clean inside.|Defrosted and cleaned.|"
        "It has to be kept upright in the van.",
    ),
    _leaf(
        "dishwashers",
        0.4,
        (50, 350),
        (30.0, 50.0),
        "slimline dishwasher 45 cm|Beko: * dishwasher|Bosch: * Serie 2 dishwasher|"
        "Siemens: * iQ300 dishwasher|integrated dishwasher 60 cm|Miele: * G 5000 dishwasher",
        details="freestanding|integrated|12 place settings|quiet, 44 dB",
        notes="Cleans perfectly and dries well.|Filter cleaned and descaled.|"
        "The kitchen is being replaced, so it has to go.",
    ),
    _leaf(
        "cookers",
        0.4,
        (40, 450),
        (20.0, 60.0),
        "electric hob @8|induction hob @10|built-in oven @32|Bosch: * built-in oven @35|"
        "freestanding gas cooker @45|range cooker 90 cm @70|Smeg: * freestanding cooker @50|"
        "Neff: * Slide&Hide oven @38",
        details="fan assisted|with grill|self-cleaning|stainless steel",
        notes="Has to be disconnected by you or an electrician.|"
        "All rings and the oven heat up properly.|Cleaned thoroughly before listing.",
    ),
    _leaf(
        "microwaves",
        0.6,
        (15, 120),
        (8.0, 20.0),
        "Severin: * microwave 20 l|Panasonic: * microwave|microwave with grill|"
        "Samsung: * combi microwave|Sharp: * combi microwave oven",
        details="800 W|white|black|stainless steel",
        notes="Works perfectly and is clean inside.|Turntable and manual included.|"
        "We replaced it with a combi oven.",
    ),
    _leaf(
        "vacuum-cleaners",
        1.0,
        (15, 350),
        (2.0, 8.0),
        "bagged vacuum cleaner|Hoover: * upright vacuum|Numatic: Henry vacuum cleaner|"
        "Rowenta: * X-Force cordless vacuum|Dyson: * V8 cordless vacuum|"
        "iRobot: * Roomba robot vacuum|Dyson: * V11 cordless vacuum|Roborock: * S7 robot vacuum",
        details="with all attachments|with spare filter|with charging dock",
        notes="Strong suction; the filter was just washed.|Battery runs for about 30 minutes.|"
        "Comes with all the attachments.",
    ),
    _leaf(
        "coffee-machines",
        1.2,
        (15, 450),
        (1.5, 10.0),
        "Nescafé: Dolce Gusto Piccolo XS @2|Nespresso: * Essenza Mini @2.3|"
        "Krups: * filter coffee machine @2|Nespresso: * Vertuo Next @4|"
        "De'Longhi: * Dedica espresso machine @4.2|Moccamaster: * KBG Select @1.8|"
        "Sage: * Bambino Plus @3.2|De'Longhi: * Magnifica S bean-to-cup @9|"
        "Sage: * Barista Express @10",
        details="descaled|with milk jug|black|silver",
        notes="Descaled last week.|Makes great crema.|Switched to a hand grinder and a V60.",
    ),
    _leaf(
        "small-kitchen-appliances",
        1.5,
        (8, 300),
        (1.0, 12.0),
        "kettle @1.2|toaster @1.8|hand blender @1|Nutribullet: * 600 @2|slow cooker @4.5|"
        "Philips: * Airfryer @5|Tefal: * ActiFry @4.5|Kenwood: * Chef stand mixer @10|"
        "KitchenAid: * Artisan stand mixer @11",
        brands="Russell Hobbs|Philips|Tefal|Moulinex|Bosch|Smeg",
        brand_rate=0.6,
        details="white|black|cream|with accessories",
        notes="Works perfectly and is clean.|Used a few times, then it lived in a cupboard.|"
        "All the attachments are included.",
    ),
    # Bikes & mobility
    _leaf(
        "city-bikes",
        2.0,
        (60, 900),
        (11.0, 22.0),
        "single-speed bike|Dutch-style city bike|Peugeot: * vintage city bike|3-speed city bike|"
        "Batavus: * city bike|folding bike|Gazelle: * Miss Grace|Brompton: * M6L folding bike",
        details="frame 49 cm|frame 53 cm|frame 56 cm|with lights and lock|with basket|with rack",
        notes="New tyres and brake pads this spring.|Lights and lock included.|"
        "Rides smoothly; gears shift cleanly.|Has been stored indoors.",
    ),
    _leaf(
        "road-bikes",
        0.8,
        (150, 1800),
        (8.0, 11.5),
        "vintage steel road bike|Decathlon: Triban RC 120|Giant: * Contend|"
        "Decathlon: Van Rysel EDR AF|Trek: * Domane AL 2|Specialized: * Allez|"
        "Cannondale: * CAAD12|Canyon: * Endurace CF 7",
        details="size 54|size 56|size S|size M|size L|Shimano 105|Shimano Sora",
        notes="Serviced last month, with a new chain and cassette.|"
        "Never crashed; the frame is perfect.|Pedals and bottle cages included.",
    ),
    _leaf(
        "mountain-bikes",
        0.8,
        (120, 1500),
        (11.0, 16.0),
        "Decathlon: Rockrider ST 520|Scott: * Aspect 950|Cube: * Aim|Giant: * Talon 2|"
        "Trek: * Marlin 7|Specialized: * Rockhopper|Canyon: * Grand Canyon 7",
        details="size S|size M|size L|29-inch wheels|27.5-inch wheels|hydraulic disc brakes",
        notes="Fork was serviced last season.|Tubeless tyres with plenty of tread.|"
        "Only used on forest trails at weekends.",
    ),
    _leaf(
        "e-bikes",
        0.8,
        (400, 3000),
        (18.0, 28.0),
        "Fiido: * D11 folding e-bike|Decathlon: Elops 500 E e-bike|Decathlon: Rockrider E-ST 100|"
        "VanMoof: * S3|Cowboy: * 3|Gazelle: * Arroyo C7|Riese & Müller: * Charger3",
        details="with charger and two keys|500 Wh battery|2,100 km ridden|frame M|frame L",
        notes="Battery still gives about 60 km per charge.|"
        "Serviced last spring with new brake pads.|Comes with the charger, both keys and a lock.",
    ),
    _leaf(
        "kids-bikes",
        1.2,
        (20, 250),
        (3.5, 12.0),
        "balance bike @3.5|14-inch kids' bike @7|16-inch kids' bike with stabilisers @8.5|"
        "20-inch kids' bike @10|24-inch mountain bike @12|Frog: * 52 @6|Woom: * 3 @5.4|Woom: * 4 @7.7",
        details="red|blue|green|with bell",
        notes="Our son has outgrown it.|Tyres pumped and brakes adjusted.|"
        "Light enough for a five-year-old to handle.",
    ),
    _leaf(
        "scooters",
        1.2,
        (10, 450),
        (2.0, 15.0),
        "kick scooter @3|Micro: * Maxi Deluxe @2.5|Decathlon: Oxelo Town 7 @5|"
        "Xiaomi: Mi Electric Scooter 1S @12.5|Segway: Ninebot Max G30 @19",
        details="with charger|foldable|black",
        notes="Folds down small for the metro.|Battery range is still about 20 km.|"
        "New tyres fitted last month.",
    ),
    # Baby gear
    _leaf(
        "strollers",
        1.2,
        (30, 600),
        (6.0, 15.0),
        "umbrella stroller|Maclaren: * Quest|Joie: * Versatrax|Babyzen: * Yoyo2|"
        "Bugaboo: * Bee 5|Cybex: * Priam|Bugaboo: * Fox 2|Stokke: * Xplory",
        details="with rain cover|with carrycot|with footmuff|black|grey",
        notes="Folds with one hand.|Fabrics washed, wheels and brakes work well.|"
        "Rain cover and cup holder included.",
    ),
    _leaf(
        "car-seats",
        0.8,
        (15, 220),
        (3.0, 15.0),
        "booster seat @3|group 1 car seat @9|Maxi-Cosi: * Pebble infant carrier @4|"
        "Joie: * i-Spin 360 @15|Britax Römer: * Dualfix @14|Cybex: * Sirona Z i-Size @13",
        details="ISOFIX|i-Size|with base",
        notes="Never been in an accident.|Covers washed; expiry date is years away.|"
        "Comes with the manual.",
    ),
    _leaf(
        "cots",
        0.8,
        (20, 350),
        (5.0, 40.0),
        "travel cot @8|baby bouncer @5|changing table @20|IKEA: * Sundvik cot @25|"
        "bedside crib @15|Chicco: * Next2Me bedside crib @14|Stokke: * Sleepi cot @36",
        details="with mattress|white|natural wood",
        notes="Mattress was always used with a protector.|"
        "Height adjusts as the baby grows.|Already taken apart for transport.",
    ),
    _leaf(
        "high-chairs",
        0.6,
        (10, 200),
        (3.0, 8.0),
        "IKEA: * Antilop high chair|booster seat|folding high chair|wooden high chair|"
        "Chicco: * Polly high chair|Joie: * Mimzy|Stokke: * Tripp Trapp|"
        "Stokke: * Tripp Trapp with baby set",
        details="white|natural|grey|with tray",
        notes="Easy to wipe clean.|Tray and harness included.|Grows with the child.",
    ),
    # Books, music & films
    _leaf(
        "books",
        5.0,
        (2, 30),
        (0.2, 1.5),
        "paperback novel bundle @1.5|The Secret History by Donna Tartt @0.4|"
        "Normal People by Sally Rooney @0.3|Sapiens by Yuval Noah Harari @0.5|"
        "The Seven Husbands of Evelyn Hugo @0.4|The Midnight Library by Matt Haig @0.3|"
        "Dune by Frank Herbert @0.5|A Little Life by Hanya Yanagihara @0.7|"
        "The Hobbit, illustrated edition @0.9|Ottolenghi Simple cookbook @1.4|"
        "Harry Potter box set @2.5",
        details="paperback|hardback|English edition",
        notes="Read once, no notes or folded pages.|Spine only lightly creased.|"
        "Smoke-free home.|Happy to bundle with my other books.",
    ),
    _leaf(
        "textbooks",
        1.5,
        (5, 60),
        (0.4, 2.5),
        "English Grammar in Use by Raymond Murphy @0.7|Principles of Economics by Mankiw @1.8|"
        "Calculus by James Stewart @2.2|Campbell Biology @2.5|Atkins' Physical Chemistry @2|"
        "Gray's Anatomy for Students @2.3|Organic Chemistry by Clayden @2.4|"
        "Introduction to Algorithms (CLRS) @2.2|Feynman Lectures on Physics, volume 1 @1.5",
        details="latest edition|some highlighting|no notes inside|previous edition",
        notes="Some pencil notes in the first chapters, otherwise clean.|"
        "Finished the course, so it is free to go.|Covers are intact.",
    ),
    _leaf(
        "comics",
        1.5,
        (3, 80),
        (0.2, 3.0),
        "Watchmen @0.9|Saga volume 1 @0.4|Tintin, The Black Island @0.4|Maus, complete edition @0.7|"
        "Berserk deluxe volume 1 @1.8|Asterix albums, lot of 8 @2.5|One Piece volumes 1-10 @2|"
        "Naruto volumes 1-20 @3|Attack on Titan box set @3",
        details="English edition|first printing|read once",
        notes="Stored flat and away from sunlight.|No creases or tears.|"
        "Selling the set together only.",
    ),
    _leaf(
        "records",
        1.5,
        (5, 150),
        (0.2, 6.0),
        "Fleetwood Mac, Rumours (vinyl) @0.3|Miles Davis, Kind of Blue (vinyl) @0.3|"
        "Daft Punk, Random Access Memories (2 LP) @0.6|The Beatles, Abbey Road (vinyl) @0.3|"
        "Radiohead, OK Computer (vinyl) @0.6|Pink Floyd, The Dark Side of the Moon (vinyl) @0.3|"
        "CD collection, 30 albums @3|vinyl collection, 40 LPs @10",
        details="original pressing|reissue|sleeve has ring wear|played a few times",
        notes="Plays without skips or crackle.|Stored upright in inner sleeves.|"
        "Selling part of my collection to make room.",
    ),
    _leaf(
        "films",
        0.8,
        (2, 40),
        (0.1, 3.0),
        "The Lord of the Rings trilogy (DVD) @0.4|Friends, complete series (DVD) @1.2|"
        "Studio Ghibli collection (Blu-ray) @0.8|Planet Earth II (Blu-ray) @0.2|"
        "Harry Potter 8-film collection (Blu-ray) @0.6|DVD bundle of 20 films @2.5|"
        "Christopher Nolan collection (4K Blu-ray) @0.6",
        details="region 2|with slipcase|discs like new",
        notes="All discs play perfectly.|Cases and booklets included.|We only stream these days.",
    ),
    # Toys & games
    _leaf(
        "toys",
        3.0,
        (3, 120),
        (0.2, 12.0),
        "plush toys bundle @1.2|wooden train set @3|Playmobil: * pirate ship @2.5|"
        "Sylvanian Families: * bundle @1.5|Schleich: * horse stable @2|play kitchen @12|"
        "Brio: * railway set @3.5|doll's house @8|Fisher-Price: * activity table @4",
        details="complete|with batteries|boxed",
        notes="All the pieces are there.|Cleaned and disinfected.|"
        "Our kids played with it for hours.",
    ),
    _leaf(
        "board-games",
        2.0,
        (5, 90),
        (0.3, 3.0),
        "1000-piece jigsaw puzzle @0.8|Dixit @1.2|Codenames @0.5|Carcassonne @1|Ticket to Ride @1.5|"
        "Catan @1.4|Pandemic @1.3|Azul @1.2|Wingspan @2|Gloomhaven @9.5",
        details="complete|English edition|French edition|with expansion|cards sleeved",
        notes="All pieces counted and present.|Played about five times.|"
        "Box corners a little worn, contents perfect.",
    ),
    _leaf(
        "building-sets",
        1.5,
        (10, 300),
        (0.3, 5.0),
        "LEGO: * Classic bricks box @1.5|LEGO: * Friends bundle @1.5|LEGO: * City fire station @1.8|"
        "LEGO: * Duplo bundle @3|LEGO: * Creator Corner Garage @2.5|"
        "LEGO: * Technic Porsche 911 GT3 RS @3|LEGO: * Star Wars Millennium Falcon @4",
        details="complete with instructions|no box|boxed, complete|sorted in bags",
        notes="Checked against the instructions; nothing missing.|"
        "Built once and displayed, no sun damage.|Pieces washed.",
    ),
    _leaf(
        "video-games",
        2.5,
        (5, 60),
        (0.05, 0.8),
        "FIFA 23 (PS5) @0.1|Mario Kart 8 Deluxe (Switch) @0.1|"
        "Zelda Breath of the Wild (Switch) @0.1|Animal Crossing New Horizons (Switch) @0.1|"
        "Red Dead Redemption 2 (PS4) @0.1|Elden Ring (PS5) @0.1|Halo Infinite (Xbox) @0.1|"
        "Pokémon Scarlet (Switch) @0.1|God of War Ragnarök (PS5) @0.1|bundle of 10 PS4 games @0.8",
        details="boxed|case and manual|disc like new",
        notes="Disc has no scratches.|Finished it, time for someone else to play.|"
        "Works on any region console.",
    ),
    # Sports & leisure
    _leaf(
        "fitness",
        1.5,
        (5, 600),
        (0.5, 60.0),
        "yoga mat @1.5|resistance bands set @0.5|pull-up bar @2|kettlebell 12 kg @12|"
        "adjustable dumbbells 2 × 20 kg @42|weight bench @16|exercise bike @30|rowing machine @32|"
        "treadmill @60|Concept2: * Model D rowing machine @26",
        notes="Bought during lockdown, barely used since.|"
        "Folds away for storage.|Clean and in full working order.",
    ),
    _leaf(
        "camping",
        1.2,
        (5, 300),
        (0.1, 12.0),
        "headlamp @0.1|hiking poles @0.5|camping stove @0.5|sleeping mat @0.8|"
        "Decathlon: Quechua 2 Seconds pop-up tent @3.5|sleeping bag @1.4|2-person tent @2.5|"
        "4-person family tent @12|MSR: * Hubba Hubba NX tent @1.7",
        details="used two seasons|used one season|complete with stuff sack",
        notes="Dry and clean, stored out of the sun.|No holes or broken poles.|"
        "Used on a few weekend trips only.",
    ),
    _leaf(
        "winter-sports",
        1.0,
        (15, 350),
        (0.2, 8.0),
        "ski gloves @0.2|ski goggles @0.2|ski helmet @0.5|ski jacket @1|snowboard boots @2.5|"
        "ski boots @3.5|Salomon: * ski boots @3.6|snowboard @3.5|"
        "Burton: * snowboard with bindings @4.5|Rossignol: * skis with bindings @6|"
        "Atomic: * skis 170 cm @6",
        details="used two seasons|used one season|waxed",
        notes="Edges sharpened and waxed at the end of last season.|"
        "Only used for one week a year.|No cracks or core shots.",
    ),
    _leaf(
        "racket-sports",
        0.8,
        (5, 150),
        (0.1, 1.0),
        "badminton set @0.6|table tennis bats, pair @0.4|squash racket @0.2|padel racket @0.4|"
        "Yonex: * Astrox badminton racket @0.1|Wilson: * Clash 100 tennis racket @0.3|"
        "Head: * Speed MP tennis racket @0.3|Babolat: * Pure Drive tennis racket @0.3|"
        "Bullpadel: * Vertex padel racket @0.4",
        details="grip size 2|grip size 3|with cover|freshly restrung",
        notes="Strings are fresh.|Comes with a cover.|Light, easy to handle.",
    ),
    _leaf(
        "instruments",
        1.2,
        (15, 900),
        (0.1, 25.0),
        "harmonica @0.1|ukulele @0.6|violin 4/4 @0.5|Yamaha: * C40 classical guitar @1.5|"
        "Casio: * CT-S300 keyboard @4|acoustic guitar @2.2|"
        "Squier: * Classic Vibe Stratocaster @3.6|Yamaha: * P-45 digital piano @11.5|"
        "Roland: * TD-1DMK electronic drum kit @22|Fender: * Player Telecaster @3.6",
        details="with gig bag|with stand|new strings|with tuner",
        notes="Plays in tune, with no buzzing.|Comes with a gig bag.|"
        "I never found time to practise.",
    ),
)

CATALOG: dict[str, LeafCatalog] = {entry.slug: entry for entry in _CATALOG}

GROUPS: dict[str, GroupStyle] = {
    "electronics": GroupStyle("tech", ((38, 70, 120), (52, 152, 160)), "screen"),
    "women": GroupStyle("wear", ((214, 112, 132), (246, 190, 160)), "dress"),
    "men": GroupStyle("wear", ((70, 96, 140), (142, 170, 196)), "shirt"),
    "kids": GroupStyle("wear", ((236, 164, 52), (250, 214, 110)), "onesie"),
    "shoes": GroupStyle("wear", ((176, 88, 62), (232, 180, 132)), "shoe"),
    "accessories": GroupStyle("wear", ((118, 68, 122), (202, 150, 190)), "bag"),
    "furniture": GroupStyle("home", ((92, 110, 66), (184, 196, 132)), "sofa"),
    "home": GroupStyle("home", ((111, 143, 114), (196, 221, 190)), "lamp"),
    "appliances": GroupStyle("appliance", ((84, 104, 122), (176, 200, 214)), "washer"),
    "bikes": GroupStyle("bike", ((34, 130, 92), (150, 206, 120)), "bike"),
    "baby": GroupStyle("baby", ((140, 120, 196), (236, 182, 206)), "pram"),
    "media": GroupStyle("media", ((128, 42, 62), (230, 124, 104)), "books"),
    "toys-games": GroupStyle("toys", ((222, 98, 48), (246, 196, 76)), "blocks"),
    "leisure": GroupStyle("sport", ((36, 92, 72), (110, 170, 210)), "tent"),
}

_CONDITION_WEIGHTS: dict[str, tuple[int, int, int, int, int]] = {
    # new with tags, like new, good, fair, for parts
    "tech": (5, 30, 42, 15, 8),
    "appliance": (4, 25, 45, 18, 8),
    "wear": (12, 33, 42, 13, 0),
    "home": (3, 27, 48, 20, 2),
    "bike": (2, 22, 48, 22, 6),
    "baby": (6, 35, 45, 14, 0),  # nobody should sell a broken car seat
    "media": (3, 35, 47, 15, 0),
    "toys": (6, 30, 46, 16, 2),
    "sport": (6, 30, 44, 18, 2),
}
_CONDITIONS = (
    Condition.NEW_WITH_TAGS,
    Condition.LIKE_NEW,
    Condition.GOOD,
    Condition.FAIR,
    Condition.FOR_PARTS,
)
CONDITION_PRICE_FACTOR: dict[Condition, float] = {
    Condition.NEW_WITH_TAGS: 1.3,
    Condition.LIKE_NEW: 1.12,
    Condition.GOOD: 1.0,
    Condition.FAIR: 0.72,
    Condition.FOR_PARTS: 0.3,
}
# Demo prices are written in euros; London sellers ask round pound amounts. Second-hand
# prices in China are lower than the exchange rate (about 7.9 yuan to the euro) would say:
# what sells for 100 euros in Paris goes for about 500 yuan on 闲鱼.
EUR_TO: dict[str, float] = {"EUR": 1.0, "GBP": 0.86, "CNY": 5.0}
# Currencies asked in whole units only: nobody there asks ¥4.50.
WHOLE_UNITS = frozenset({"CNY"})

CONDITION_NOTES: dict[Condition, tuple[str, ...]] = {
    Condition.NEW_WITH_TAGS: _list(
        "Brand new and never used.|Still in its original packaging, never used.|"
        "Bought it and never got round to using it, so it is as new."
    ),
    Condition.LIKE_NEW: _list(
        "Used only a handful of times, with no visible marks.|Barely used and well kept.|"
        "As good as new.|In excellent condition."
    ),
    Condition.GOOD: _list(
        "Good condition, with light signs of use.|"
        "A few small marks from normal use, nothing that affects it.|"
        "Used but well looked after.|In good shape for its age."
    ),
    Condition.FAIR: _list(
        "Clearly used, with visible signs of wear; see the photos.|"
        "Not perfect, hence the price.|A few marks and scuffs, priced accordingly."
    ),
    Condition.FOR_PARTS: _list(
        "Sold as is, for parts or repair.|Needs fixing, which is why it is so cheap."
    ),
}
KIND_CONDITION_NOTES: dict[tuple[str, Condition], tuple[str, ...]] = {
    ("wear", Condition.NEW_WITH_TAGS): _list(
        "New with tags, never worn.|Tags still attached; it never left the wardrobe."
    ),
    ("tech", Condition.NEW_WITH_TAGS): _list("Still sealed in the box.|Unopened gift."),
    ("appliance", Condition.NEW_WITH_TAGS): _list("Never installed; still in its box."),
    ("media", Condition.NEW_WITH_TAGS): _list("Brand new; never opened."),
    ("wear", Condition.FAIR): _list(
        "Slightly faded from washing.|Some pilling, but plenty of wear left in it."
    ),
    ("tech", Condition.FAIR): _list(
        "Works fine but the casing has scratches.|Everything works; cosmetically tired."
    ),
    ("appliance", Condition.FAIR): _list(
        "Works fine, with a few dents on the side.|Everything works; the front is a bit scuffed."
    ),
    ("home", Condition.FAIR): _list(
        "A few scratches on the surface, easy to touch up.|Well used but sturdy."
    ),
    ("tech", Condition.FOR_PARTS): _list(
        "Does not switch on any more; I have not tried to repair it.|"
        "Has a fault I never got round to fixing, so it is sold as is."
    ),
    ("appliance", Condition.FOR_PARTS): _list(
        "Stopped working last month; probably an easy repair for someone handy.|"
        "Makes a loud noise when running, so it is sold as is."
    ),
    ("bike", Condition.FOR_PARTS): _list(
        "Needs a new chain, brake pads and some love.|Frame is fine but the gears need work."
    ),
    ("home", Condition.FOR_PARTS): _list(
        "One leg is loose and needs gluing.|Needs a bit of repair work."
    ),
    ("toys", Condition.FOR_PARTS): _list("Some pieces are missing.|Works, but parts are missing."),
    ("sport", Condition.FOR_PARTS): _list("Needs a repair, so it is sold as is."),
}

REASONS: dict[str, tuple[str, ...]] = {
    "any": _list(
        "Selling because I'm moving abroad next month.|Clearing out before a move.|"
        "We just don't use it enough.|Making space in a small flat.|Unwanted gift.|"
        "Decluttering the cellar."
    ),
    "new": _list(
        "Unwanted gift.|Bought two by mistake.|Ordered the wrong one and missed the return window.|"
        "Bought it and then never needed it."
    ),
    "tech": _list("Upgraded to a newer model.|I got one through work, so this one is spare."),
    "appliance": _list(
        "Our new flat has one built in.|Replaced it with a bigger model.|"
        "The kitchen is being renovated."
    ),
    "wear": _list(
        "Doesn't fit me any more.|Wrong size, and too late to return it.|Wardrobe clear-out."
    ),
    "home": _list(
        "Redecorating the living room.|Our new flat came furnished.|"
        "Moving in with my partner and we have two of everything."
    ),
    "bike": _list(
        "I cycle less since changing jobs.|Got a new bike for my commute.|"
        "No room to store it in the new place."
    ),
    "baby": _list(
        "Our little one has outgrown it.|No more babies planned!|"
        "Used for both our children, and now we're done."
    ),
    "media": _list(
        "Making room on the shelves.|Time for someone else to enjoy it.|"
        "Switched to streaming and e-books."
    ),
    "toys": _list("The kids have outgrown it.|Clearing out the playroom.|Got two for a birthday."),
    "sport": _list("No time for it any more.|Upgraded my kit.|Tried it for a season; not for me."),
}

PICKUP_NOTES: dict[str, tuple[str, ...]] = {
    "light": _list(
        "Can post it, or hand it over in person near {area}.|"
        "Happy to meet near a station in {area}.|Can ship within two days.|"
        "Hand-over in person in {area}; evenings work best."
    ),
    "medium": _list(
        "Pickup from {area}, or I can meet you nearby.|"
        "Collection from {area}, weekday evenings or weekends.|"
        "Collection only from {area}; it is too bulky to post."
    ),
    "heavy": _list(
        "Collection only from {area}; you'll need a van or a big car.|"
        "It's on the second floor with no lift, but I'll help carry it down.|"
        "Pickup from {area}; bring a friend, it's heavy.|"
        "Needs to be gone by the end of the month; pickup from {area}."
    ),
}
CLOSERS = _list(
    "Price is a little negotiable.|Smoke-free home.|Message me with any questions.|"
    "First come, first served; no holds.|Have a look at my other listings, happy to bundle."
)

# First names by country, plus names heard in every European city.
FIRST_NAMES: dict[str, tuple[str, ...]] = {
    "FR": _list(
        "Camille|Léa|Manon|Chloé|Inès|Louise|Julie|Sarah|Élodie|Mathilde|Lucas|Hugo|Louis|"
        "Théo|Nathan|Antoine|Julien|Maxime|Thomas|Baptiste"
    ),
    "DE": _list(
        "Jonas|Lukas|Leon|Felix|Paul|Finn|Moritz|Tobias|Niklas|Anna|Lena|Marie|Sophie|Hannah|"
        "Johanna|Katharina|Jana|Mia"
    ),
    "GB": _list(
        "Oliver|Harry|George|Jack|Charlie|James|Alfie|Callum|Olivia|Amelia|Isla|Ava|Emily|"
        "Grace|Freya|Rosie|Poppy"
    ),
    "ES": _list(
        "Lucía|Sofía|María|Martina|Paula|Carmen|Elena|Nerea|Alejandro|Pablo|Daniel|Javier|"
        "Álvaro|Diego|Sergio|Marta"
    ),
    "IT": _list(
        "Giulia|Francesca|Chiara|Sofia|Elisa|Beatrice|Alessandro|Lorenzo|Matteo|Marco|"
        "Giovanni|Federico|Davide|Valentina"
    ),
    "NL": _list(
        "Daan|Sem|Lars|Bram|Ruben|Thijs|Jeroen|Emma|Julia|Sanne|Fleur|Noor|Lotte|Femke|Anouk"
    ),
    "any": _list(
        "Priya|Yusuf|Mei|Amara|Omar|Aisha|Kenji|Ana|Mateus|Zeynep|Nikos|Olga|Tomasz|Fatima|"
        "Ravi|Chen|Kwame|Leila|Dmitri|Sven"
    ),
}
_INITIALS = "ABCDEFGHIJKLMNOPRSTVWZ"  # few surnames start with Q, U, X or Y


_PARENT_OF: dict[str, str] = {leaf.slug: leaf.parent for leaf in LEAVES if leaf.parent}


def uncovered_leaves() -> list[str]:
    """Leaf categories with no demo catalogue entry (a test expects none)."""
    return [leaf.slug for leaf in LEAVES if leaf.slug not in CATALOG]


def uncovered_leaves_zh() -> list[str]:
    """Leaf categories with no Chinese words in ``demo_catalog_zh`` (a test expects none)."""
    return [leaf.slug for leaf in LEAVES if leaf.slug not in zh.CATALOG]


def unknown_entries() -> list[str]:
    """Catalogue entries or styles for categories the taxonomy does not have (expects none)."""
    leaves = {leaf.slug for leaf in LEAVES}
    parents = {parent.slug for parent in PARENTS}
    return (
        [slug for slug in CATALOG if slug not in leaves]
        + [slug for slug in zh.CATALOG if slug not in leaves]
        + [slug for slug in GROUPS if slug not in parents]
    )


def group_of(slug: str) -> str:
    """The parent category slug of a leaf."""
    return _PARENT_OF[slug]


def kind_of(slug: str) -> str:
    return GROUPS[group_of(slug)].kind


def pick_condition(*, rng: random.Random, slug: str) -> Condition:
    """A condition for an item of this category, weighted as second-hand items really are."""
    return rng.choices(_CONDITIONS, weights=_CONDITION_WEIGHTS[kind_of(slug)])[0]


def nice_price(cents: float, currency: str = "EUR") -> int:
    """Round an asking price the way people do: 4.50, 35, 120, 480, 1,250 (¥5, never ¥4.50)."""
    units = cents / 100
    if units < 10:
        step = 1.0 if currency in WHOLE_UNITS else 0.5
    elif units < 50:
        step = 1.0
    elif units < 300:
        step = 5.0
    elif units < 1000:
        step = 10.0
    else:
        step = 50.0
    return max(100, round(round(units / step) * step * 100))


def _position(rng: random.Random, index: int, count: int) -> float:
    return (index + rng.random()) / count


def make_item(
    *,
    rng: random.Random,
    slug: str,
    condition: Condition,
    currency: str,
    area: str,
    language: str = "en",
) -> Item:
    """Title, brand, price, weight and a 2-4 sentence description for one listing.

    ``language`` is ``"zh"`` for a seller in China (``language_of``): the words are then
    Chinese, and ``area`` the district's Chinese name (``area_for``).
    """
    if language == "zh":
        return _make_item_zh(rng=rng, slug=slug, condition=condition, currency=currency, area=area)
    entry = CATALOG[slug]
    model_index = rng.randrange(len(entry.models))
    model = entry.models[model_index]
    position = _position(rng, model_index, len(entry.models))
    brand = model.brand
    if brand is not None:
        base = model.name
    elif entry.brands and rng.random() < entry.brand_rate:
        brand_index = rng.randrange(len(entry.brands))
        brand = entry.brands[brand_index]
        base = f"{brand} {model.name}"
        # A dear brand lifts the price of a cheap kind of item, and the other way round.
        position = (position + _position(rng, brand_index, len(entry.brands))) / 2
    else:
        base = model.name[0].upper() + model.name[1:]
    title = base
    if entry.details and rng.random() < 0.7:
        title += ", " + rng.choice(entry.details)

    price = _price(rng, entry, position, condition, currency)
    kg, weight = _weight(rng, entry, model.weight_kg)
    return Item(
        title=title,
        brand=brand,
        price_cents=price,
        weight_kg=weight,
        description=describe(rng=rng, slug=slug, condition=condition, weight_kg=kg, area=area),
    )


def _price(
    rng: random.Random, entry: LeafCatalog, position: float, condition: Condition, currency: str
) -> int:
    low, high = entry.price_cents
    euros = low * (high / low) ** position  # prices spread on a log scale
    euros *= CONDITION_PRICE_FACTOR[condition] * rng.uniform(0.9, 1.1)
    return nice_price(euros * EUR_TO[currency], currency)


def _weight(
    rng: random.Random, entry: LeafCatalog, model_kg: float | None
) -> tuple[float, float | None]:
    """The item's weight, and what the seller writes (some leave it blank)."""
    if model_kg is not None:
        kg = model_kg * rng.uniform(0.85, 1.15)
    else:
        kg = rng.uniform(*entry.weight_kg)
    kg = round(kg, 2) if kg < 1 else round(kg, 1)
    return kg, (kg if rng.random() < 0.9 else None)


def _size(weight_kg: float) -> str:
    return "light" if weight_kg < 3 else "medium" if weight_kg < 20 else "heavy"


def _make_item_zh(
    *, rng: random.Random, slug: str, condition: Condition, currency: str, area: str
) -> Item:
    """A listing as a seller in China writes it: ``九成新 捷安特 山地自行车 ATX 27.5寸``."""
    entry, words = CATALOG[slug], zh.CATALOG[slug]
    kind = kind_of(slug)
    model_index = rng.randrange(len(words.models))
    model = words.models[model_index]
    position = _position(rng, model_index, len(words.models))
    brand = model.brand
    parts = [model.name]
    if brand is None and words.brands and rng.random() < words.brand_rate:
        brand_index = rng.randrange(len(words.brands))
        brand = words.brands[brand_index]
        parts.insert(0, brand)
        position = (position + _position(rng, brand_index, len(words.brands))) / 2
    if words.details and rng.random() < 0.7:
        parts.append(rng.choice(words.details))
    # The condition leads the title more often than not, or closes it.
    if rng.random() < (0.85 if condition is Condition.FOR_PARTS else 0.6):
        pool = zh.KIND_TITLE_CONDITIONS.get((kind, condition)) or zh.TITLE_CONDITIONS[condition]
        said = rng.choice(pool)
        if rng.random() < 0.7:
            parts.insert(0, said)
        else:
            parts.append(said)

    price = _price(rng, entry, position, condition, currency)
    if currency == "CNY" and price >= 20_000 and price % 10_000 == 0 and rng.random() < 0.3:
        price -= 100  # ¥199, ¥1,299: what a round price becomes there
    kg, weight = _weight(rng, entry, model.weight_kg)
    description = describe_zh(rng=rng, slug=slug, condition=condition, weight_kg=kg, area=area)
    # How to get it, in the title too: 自提 for what is heavy, 包邮 when the seller posts free.
    if _size(kg) == "heavy" and rng.random() < 0.5:
        parts.append(rng.choice(("自提", "仅限自提")))
    elif "包邮" in description and "不包邮" not in description and rng.random() < 0.5:
        parts.append("包邮")
    return Item(
        title=" ".join(parts),
        brand=brand,
        price_cents=price,
        weight_kg=weight,
        description=description,
    )


def describe_zh(
    *, rng: random.Random, slug: str, condition: Condition, weight_kg: float, area: str
) -> str:
    """``describe`` in Chinese: the same kinds of sentences, written without spaces between."""
    words = zh.CATALOG[slug]
    kind = kind_of(slug)
    specific = zh.KIND_CONDITION_NOTES.get((kind, condition), ())
    pool = specific if specific and rng.random() < 0.6 else zh.CONDITION_NOTES[condition]
    sentences = [rng.choice(pool)]
    in_use = condition not in {Condition.NEW_WITH_TAGS, Condition.FOR_PARTS}
    if words.notes and in_use and rng.random() < 0.8:
        sentences.append(rng.choice(words.notes))
    if rng.random() < 0.55:
        if condition is Condition.NEW_WITH_TAGS:
            reasons = zh.REASONS["new"]
        else:
            reasons = zh.REASONS[kind] if rng.random() < 0.6 else zh.REASONS["any"]
        sentences.append(rng.choice(reasons))
    size = _size(weight_kg)
    if size == "heavy" or rng.random() < 0.7 or len(sentences) < 2:
        sentences.append(rng.choice(zh.PICKUP_NOTES[size]).format(area=area))
    if len(sentences) < 4 and rng.random() < 0.35:
        sentences.append(rng.choice(zh.CLOSERS))
    return "".join(sentences[:4])


def describe(
    *, rng: random.Random, slug: str, condition: Condition, weight_kg: float, area: str
) -> str:
    """A short second-hand ad: condition, a detail, why it is sold, how to get it."""
    entry = CATALOG[slug]
    kind = kind_of(slug)
    specific = KIND_CONDITION_NOTES.get((kind, condition), ())
    pool = specific if specific and rng.random() < 0.6 else CONDITION_NOTES[condition]
    sentences = [rng.choice(pool)]
    # Notes tell of use ("worn twice", "works perfectly"): wrong for new or broken items.
    in_use = condition not in {Condition.NEW_WITH_TAGS, Condition.FOR_PARTS}
    if entry.notes and in_use and rng.random() < 0.8:
        sentences.append(rng.choice(entry.notes))
    if rng.random() < 0.55:
        if condition is Condition.NEW_WITH_TAGS:
            reasons = REASONS["new"]
        else:
            reasons = REASONS[kind] if rng.random() < 0.6 else REASONS["any"]
        sentences.append(rng.choice(reasons))
    size = _size(weight_kg)
    # Whoever wants a sofa or a fridge needs to know how to get it home.
    if size == "heavy" or rng.random() < 0.7 or len(sentences) < 2:
        sentences.append(rng.choice(PICKUP_NOTES[size]).format(area=area))
    if len(sentences) < 4 and rng.random() < 0.3:
        sentences.append(rng.choice(CLOSERS))
    return " ".join(sentences[:4])


def area_of(place_name: str) -> str:
    """``Le Marais`` for ``Paris, Le Marais``: what a neighbour would call the place."""
    return place_name.rpartition(", ")[2]


def language_of(place: Place) -> str:
    """The language a seller living there writes listings in: ``zh`` in China."""
    return "zh" if place.country == "CN" else "en"


def area_for(place: Place) -> str:
    """The neighbourhood as its sellers write it: ``Le Marais``, or ``静安区`` in China."""
    if place.country == "CN":
        return zh.DISTRICTS[place.slug]
    return area_of(place.name)


def person(*, rng: random.Random, country: str) -> tuple[str, str]:
    """A display name like ``Camille R.`` and a plain-ASCII e-mail stem like ``camille.r``.

    In China: ``小王``, ``陈女士``, ``乐乐妈``, ``不吃香菜`` or ``Cathy``, with a pinyin stem.
    """
    if country == "CN":
        return _person_zh(rng)
    names = FIRST_NAMES[country] if rng.random() < 0.8 else FIRST_NAMES["any"]
    first = rng.choice(names)
    initial = rng.choice(_INITIALS)
    ascii_first = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode()
    return f"{first} {initial}.", f"{ascii_first.lower()}.{initial.lower()}"


def _person_zh(rng: random.Random) -> tuple[str, str]:
    roll = rng.random()
    if roll < 0.4:
        surname, surname_ascii = rng.choice(zh.SURNAMES)
        pattern, stem = rng.choice(zh.SURNAME_PATTERNS)
        return pattern.format(surname), stem.format(surname_ascii)
    if roll < 0.55:
        child, child_ascii = rng.choice(zh.CHILDREN)
        parent, parent_ascii = rng.choice((("妈", "ma"), ("爸", "ba")))
        return child + parent, child_ascii + parent_ascii
    name, stem = rng.choice(zh.NICKNAMES)
    return name, stem.lower()


def jitter(
    *, rng: random.Random, lat: float, lon: float, min_km: float, max_km: float
) -> tuple[float, float]:
    """A point ``min_km``-``max_km`` from (lat, lon) in a random direction."""
    distance = rng.uniform(min_km, max_km)
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(bearing) / 111.32
    dlon = distance * math.sin(bearing) / (111.32 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)
