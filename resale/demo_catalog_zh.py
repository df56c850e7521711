"""The demo marketplace in Chinese: what sellers in China list, worded as on 闲鱼 (Idle Fish).

Pure data for ``resale.demo_catalog``, which takes a listing's words from here when
the seller lives in China, and its price range, weights and shares from its own
catalogue (the same categories, so the same numbers).

The notation is that of ``resale.demo_catalog``: ``|``-separated lists; a model
``"小米: *13"`` belongs to one brand (``*`` stands for the brand, so its title is
``小米13``); a model without a colon is generic and may be given one of the
category's brands (``优衣库 碎花连衣裙``); ``" @1.5"`` is a model's typical weight in
kg where the category's range is too wide; models run roughly from cheapest to
dearest, as the price follows their position.

Titles are written as people there write them: the condition first or last
(``九成新``, ``95新``), the brand and model, a detail (``12+256G 国行``, ``M码``), and
sometimes how to get it (``自提``). Every phrase is one sentence ending in ``。`` or
``！``; a description is two to four of them, written without spaces between.
"""

from __future__ import annotations

from dataclasses import dataclass

from listings.models import Condition
from resale.demo_notation import Model
from resale.demo_notation import parse_models as _models
from resale.demo_notation import split_list as _list


@dataclass(frozen=True, slots=True)
class ZhLeaf:
    slug: str
    models: tuple[Model, ...]
    brands: tuple[str, ...]  # for generic models
    brand_rate: float
    details: tuple[str, ...]
    notes: tuple[str, ...]


def _leaf(
    slug: str,
    models: str,
    *,
    brands: str = "",
    brand_rate: float = 0.0,
    details: str = "",
    notes: str,
) -> ZhLeaf:
    return ZhLeaf(
        slug=slug,
        models=_models(models),
        brands=_list(brands),
        brand_rate=brand_rate,
        details=_list(details),
        notes=_list(notes),
    )


_WOMEN_SIZES = "S码|M码|L码|XL码|均码|160/84A|165/88A"
_MEN_SIZES = "M码|L码|XL码|XXL码|175/92A|180/96A"
_SHOE_SIZES = "36码|37码|38码|39码|40码|41码|42码|43码|44码|42.5码"

_CATALOG: tuple[ZhLeaf, ...] = (
    # 数码
    _leaf(
        "phones",
        "小米: 红米Note 11 5G|荣耀: *X40|OPPO: * Reno8|vivo: * S16|华为: *nova 10|"
        "苹果: iPhone XR|小米: *12|苹果: iPhone 11|一加: *11|华为: *Mate 40 Pro|小米: *13|"
        "苹果: iPhone 12|华为: *P60|苹果: iPhone 13|华为: *Mate 60 Pro|苹果: iPhone 14 Pro|"
        "苹果: iPhone 15 Pro Max",
        details="8+128G 国行|8+256G 国行|12+256G 国行 无拆修|128G 国行|256G 国行 原装屏|"
        "双卡双待|128G 电池健康89%|256G 白色|黑色 8+256G|全网通 5G",
        notes="电池健康还有88%，正常用一天没问题。|一直戴壳贴膜用的，屏幕没有划痕。|"
        "已退出所有账号并恢复出厂设置，插卡就能用。|无拆无修，面容和指纹都正常。|"
        "原装盒子和数据线都在。|国行正品，可以查序列号。",
    ),
    _leaf(
        "tablets",
        "亚马逊: Kindle Paperwhite 4|掌阅: *iReader Ocean 2|小米: *平板5|华为: *MatePad 11|"
        "荣耀: *平板V8|小米: *平板6 Pro|苹果: iPad 第9代|华为: *MatePad Pro 12.6|"
        "苹果: iPad Air 5|苹果: iPad mini 6|苹果: iPad Pro 11寸 M2",
        details="WiFi版 64G|WiFi版 256G|带原装笔|带键盘保护套|插卡版|国行 128G",
        notes="一直带保护套用，边角没有磕碰。|已退出账号，恢复了出厂设置。|"
        "电池耐用，看书追剧都够。|屏幕无划痕无亮点。|主要用来上网课，现在用不上了。",
    ),
    _leaf(
        "laptops",
        "联想: *小新Air 14|华为: *MateBook D14|荣耀: *MagicBook 14|戴尔: *灵越14|"
        "惠普: *战66|联想: ThinkPad E14|小米: RedmiBook Pro 15|华硕: *天选4|"
        "联想: *拯救者Y9000P|苹果: MacBook Air M1|苹果: MacBook Air M2|"
        "苹果: MacBook Pro 14寸 M1 Pro",
        details="16G+512G|8G+256G|i5 16G 512G|i7 16G 1T|带原装充电器|国行 电池循环120次",
        notes="电池还能续航四五个小时。|刚重装过系统，没有任何个人资料。|原装充电器在。|"
        "键盘和触控板都正常，屏幕无坏点。|平时就办公用，没打过游戏。",
    ),
    _leaf(
        "desktop-computers",
        "联想: *天逸510S|惠普: *小欧迷你主机|戴尔: * OptiPlex 小主机|华为: * MateStation S|"
        "自组装 i5 12400F 台式机|苹果: Mac mini M1|自组装 游戏主机 RTX 3060|苹果: iMac 24寸 M1|"
        "自组装 游戏主机 i7 RTX 4070",
        details="16G内存 512G固态|8G内存 256G固态|送键盘鼠标|Win11 正版",
        notes="系统已重装，Windows 正版已激活。|上个月刚清过灰，运行很安静。|"
        "不带显示器，只卖主机。|主流游戏开中高画质都没问题。",
    ),
    _leaf(
        "monitors",
        "24寸 显示器|AOC: * 24寸 IPS显示器|小米: *27寸显示器|飞利浦: *27寸显示器|27寸 2K显示器|"
        "戴尔: * P2419H|明基: * EW2780U 4K|LG: * 27UL850 4K|戴尔: * U2723QE|三星: *34寸带鱼屏",
        brands="AOC|HKC|飞利浦|小米|泰坦军团|戴尔|三星|LG",
        brand_rate=0.75,
        details="送HDMI线|带原装底座|Type-C 一线连|可升降底座|144Hz|无坏点",
        notes="无坏点无漏光。|电源线和HDMI线都在。|换了大屏，这台就闲置了。|在家办公用的，一直很爱惜。",
    ),
    _leaf(
        "tvs",
        "32寸 液晶电视|43寸 4K智能电视|50寸 4K智能电视|55寸 4K智能电视|65寸 4K智能电视|"
        "65寸 OLED电视|75寸 4K智能电视",
        brands="长虹|TCL|小米|创维|海信|华为|三星|索尼",
        brand_rate=0.95,
        details="带原装遥控器|送挂架|带底座|支持投屏|2+32G",
        notes="遥控器和底座都在。|画面正常，无坏点无亮线。|新房装了更大的，这台用不上了。|"
        "原箱还在，方便搬运。",
    ),
    _leaf(
        "audio",
        "小米: *蓝牙音箱 @0.3|漫步者: *蓝牙耳机 @0.1|华为: * FreeBuds 5i @0.1|"
        "苹果: AirPods 二代 @0.1|JBL: * Flip 5 蓝牙音箱 @0.6|苹果: HomePod mini @0.35|"
        "索尼: * WH-1000XM4 头戴耳机 @0.3|苹果: AirPods Pro 2 @0.1|Bose: * QC45 降噪耳机 @0.3|"
        "漫步者: * S2000MKIII 书架音箱 @9|马歇尔: * Stanmore II 音箱 @4.7",
        details="黑色|白色|带充电盒|带原装线|盒说全",
        notes="音质很好，开大音量也没有杂音。|耳罩刚换过新的。|续航依旧很顶。|连手机和电脑都很快。",
    ),
    _leaf(
        "cameras",
        "富士: *拍立得 mini11 @0.3|佳能: * IXUS 285 卡片机 @0.2|大疆: * Osmo Pocket 2 @0.2|"
        "大疆: * Osmo Action 3 @0.3|佳能: * 200D二代 套机 @0.9|尼康: * D7500 套机 @1.2|"
        "索尼: * ZV-E10 @0.5|索尼: * A6400 带16-50镜头 @0.6|富士: * X-T30 机身 @0.4|"
        "佳能: * R6 机身 @0.7|索尼: * A7M3 机身 @0.65",
        details="快门数3000多|带两块电池|带64G卡|带相机包|盒说全",
        notes="快门数很低，基本在抽屉里吃灰。|镜头干净，无霉无雾。|送一块备用电池和背带。|"
        "现在都用手机拍了，给它找个新主人。",
    ),
    _leaf(
        "game-consoles",
        "任天堂: Switch Lite @0.3|任天堂: Switch 续航版 日版 @0.4|索尼: PS4 Slim 500G @2.1|"
        "微软: Xbox Series S @1.9|任天堂: Switch OLED 港版 @0.4|索尼: PS5 数字版 @3.9|"
        "索尼: PS5 光驱版 国行 @4.5",
        details="带两个手柄|送三张卡带|1T|盒说全|带底座|已贴膜",
        notes="手柄没有漂移，按键都灵敏。|线材和原盒都在。|账号已退出并初始化。|"
        "可以送几张游戏卡带。",
    ),
    _leaf(
        "smartwatches",
        "小米: *手环7|华为: *手环8|华米: Amazfit GTR 3|华为: * Watch GT 3|"
        "佳明: * Forerunner 55|苹果: Apple Watch SE 40mm|华为: * Watch 4 Pro|佳明: * Fenix 6|"
        "苹果: Apple Watch S8 45mm",
        details="带充电器|送两条表带|黑色|盒说全|GPS版",
        notes="表盘没有划痕。|充一次电能用好几天。|已经和手机解绑并恢复出厂。|送一条备用表带。",
    ),
    _leaf(
        "computer-accessories",
        "罗技: * M330 静音鼠标 @0.1|绿联: * Type-C 扩展坞 @0.1|笔记本支架 @0.9|"
        "罗技: * K380 蓝牙键盘 @0.4|罗技: * C920 摄像头 @0.2|西部数据: *2T移动硬盘 @0.2|"
        "达尔优: *机械键盘 @0.8|罗技: * MX Master 3 @0.2|Keychron: * K8 机械键盘 @0.8|"
        "戴尔: * WD19S 扩展坞 @0.9",
        notes="Mac和Windows都能用。|线都在。|之前居家办公买的，现在用不上了。",
    ),
    # 女装
    _leaf(
        "women-dresses",
        "碎花连衣裙|法式茶歇裙|吊带连衣裙|针织连衣裙|衬衫裙|小黑裙|棉麻长裙|赫本风连衣裙|"
        "缎面吊带裙|晚礼服",
        brands="优衣库|H&M|ZARA|UR|ONLY|太平鸟|伊芙丽|MO&Co.|Maje",
        brand_rate=0.8,
        details=_WOMEN_SIZES + "|黑色|藏青色|杏色",
        notes="只穿过两次，婚礼和生日各一次。|面料很舒服，不起球。|尺码标准，我165穿刚好。|"
        "有内衬，不透。",
    ),
    _leaf(
        "women-tops",
        "基础款T恤|条纹T恤|雪纺衬衫|吊带背心|修身打底衫|短款上衣|娃娃领衬衫|真丝衬衫",
        brands="优衣库|H&M|ZARA|GAP|UR|太平鸟|COS|江南布衣",
        brand_rate=0.8,
        details=_WOMEN_SIZES + "|白色|黑色|奶白色",
        notes="无污渍无破洞。|一直手洗晾干，没有变形。|两件一起拿可以优惠。|面料轻薄，夏天穿很舒服。",
    ),
    _leaf(
        "women-jeans",
        "紧身牛仔裤|老爹裤|直筒牛仔裤|高腰牛仔裤|微喇牛仔裤|阔腿牛仔裤|"
        "李维斯: *501牛仔裤|李维斯: * Ribcage 直筒牛仔裤",
        brands="优衣库|H&M|ZARA|GAP|UR|Lee|李维斯",
        brand_rate=0.8,
        details="25码|26码|27码|28码|29码|S码|M码|浅蓝色|黑色",
        notes="膝盖处没有发白。|有点长，我155穿要挽裤脚。|牛仔面料挺厚实的。|拉链和纽扣都完好。",
    ),
    _leaf(
        "women-trousers-skirts",
        "牛仔半身裙|百褶半身裙|阔腿裤|西装裤|工装裤|棉麻阔腿裤|皮质半身裙|羊毛半身裙",
        brands="优衣库|H&M|ZARA|UR|太平鸟|COS|MO&Co.",
        brand_rate=0.75,
        details=_WOMEN_SIZES + "|黑色|卡其色|藏青色",
        notes="有口袋，很实用。|高腰设计，侧边拉链。|只在上班穿过几次。",
    ),
    _leaf(
        "women-jumpers",
        "针织开衫|麻花毛衣|宽松针织衫|高领毛衣|美利奴羊毛衫|马海毛开衫|羊绒衫",
        brands="优衣库|H&M|ZARA|UR|COS|江南布衣|鄂尔多斯",
        brand_rate=0.8,
        details=_WOMEN_SIZES + "|米白色|灰色|驼色",
        notes="没有起球，一直叠放收纳。|很暖和，冬天穿正好。|一直手洗的。|一点都不扎。",
    ),
    _leaf(
        "women-coats",
        "牛仔外套|冲锋衣|短款羽绒服|双排扣风衣|仿皮草外套|双面羊绒大衣|机车皮衣|长款羽绒服",
        brands="优衣库|ZARA|太平鸟|鸭鸭|波司登|哥伦比亚|北面|始祖鸟",
        brand_rate=0.8,
        details=_WOMEN_SIZES + "|黑色|驼色|军绿色",
        notes="拉链和扣子都是好的。|很保暖，只是衣服太多了。|内衬完好。|帽子可以拆。",
    ),
    _leaf(
        "women-sportswear",
        "运动内衣|骑行短裤|跑步紧身裤|瑜伽裤|速干T恤|网球裙|跑步外套",
        brands="迪卡侬|特步|安踏|李宁|耐克|阿迪达斯|lululemon",
        brand_rate=0.85,
        details="XS码|S码|M码|L码|黑色|藏青色",
        notes="深蹲不透，面料依然紧实。|侧边有拉链口袋，可以放钥匙。|买来跑半马，只训练时穿过。",
    ),
    # 男装
    _leaf(
        "men-shirts",
        "纯棉T恤|印花T恤|POLO衫|牛津纺衬衫|法兰绒格子衬衫|牛仔衬衫|亚麻衬衫",
        brands="优衣库|H&M|海澜之家|ZARA|GAP|Carhartt|拉夫劳伦",
        brand_rate=0.8,
        details=_MEN_SIZES + "|白色|浅蓝色|修身",
        notes="无污渍，领口完好。|洗好熨过了。|同尺码买重了一件。",
    ),
    _leaf(
        "men-jeans",
        "修身牛仔裤|直筒牛仔裤|锥形牛仔裤|李维斯: *511修身牛仔裤|李维斯: *501牛仔裤|原色赤耳牛仔裤",
        brands="优衣库|H&M|ZARA|GAP|Lee|李维斯|Nudie",
        brand_rate=0.8,
        details="29码|30码|31码|32码|33码|34码|36码",
        notes="没有破洞，膝盖不发白。|原牛刚养出一点褶子。|胖了穿不下了。",
    ),
    _leaf(
        "men-trousers",
        "休闲短裤|休闲裤|工装裤|束脚运动裤|灯芯绒裤|亚麻裤|羊毛西裤",
        brands="优衣库|H&M|海澜之家|ZARA|Dickies|Carhartt|COS",
        brand_rate=0.75,
        details="30码|32码|34码|36码|M码|L码|卡其色|藏青色|军绿色",
        notes="基本没怎么穿，有点短。|无污渍。|裤襻都完好。",
    ),
    _leaf(
        "men-jumpers",
        "连帽卫衣|圆领卫衣|拉链卫衣|摇粒绒外套|美利奴羊毛衫|麻花毛衣|羊绒衫",
        brands="优衣库|H&M|李宁|Champion|Carhartt|巴塔哥尼亚|鄂尔多斯",
        brand_rate=0.8,
        details=_MEN_SIZES + "|灰色|藏青色|墨绿色",
        notes="保暖柔软，没有破洞。|袖口没有松。|洗了一次有点缩水，现在偏小一码。",
    ),
    _leaf(
        "men-coats",
        "牛仔夹克|冲锋衣|工装衬衫外套|飞行员夹克|羽绒服|羊毛大衣|派克大衣|皮夹克",
        brands="优衣库|ZARA|海澜之家|骆驼|波司登|哥伦比亚|北面|始祖鸟",
        brand_rate=0.8,
        details=_MEN_SIZES + "|黑色|藏青色|军绿色",
        notes="防水还很好，雨水直接滑落。|拉链都正常。|北方的冬天也够暖。|口袋很多，很实用。",
    ),
    _leaf(
        "men-suits",
        "休闲西装外套|亚麻西装|两件套西装|羊毛西装|三件套西装|新郎礼服",
        brands="海澜之家|ZARA|优衣库|雅戈尔|报喜鸟|HUGO BOSS|杰尼亚",
        brand_rate=0.8,
        details="170/88A|175/92A|180/96A|48码|50码|52码|藏青色|深灰色",
        notes="只在婚礼上穿过一次。|已经干洗过，可以直接穿。|裤长是按180的身高改的。",
    ),
    _leaf(
        "men-sportswear",
        "跑步短裤|速干T恤|足球球衣|运动外套|骑行服|运动套装|跑步夹克",
        brands="迪卡侬|特步|安踏|李宁|阿迪达斯|耐克|安德玛",
        brand_rate=0.85,
        details="M码|L码|XL码|XXL码",
        notes="透气速干。|有反光条，夜跑安全。|健身房穿过几次。",
    ),
    # 童装
    _leaf(
        "baby-clothes",
        "连体衣 @0.15|针织开衫 @0.15|背带裤 @0.2|宝宝睡袋 @0.4|包屁衣 10件装 @0.8|"
        "婴儿羽绒服 @0.5|一大包婴儿衣服 @1.5",
        brands="童泰|优衣库|巴拉巴拉|好孩子|英氏|戴维贝拉|Petit Bateau",
        brand_rate=0.7,
        details="59码|66码|73码|80码|90码|0-3个月|6-12个月|1-2岁",
        notes="用无香型洗衣液洗过。|宝宝长得太快，没穿几次就小了。|可以多送几件包屁衣。|按扣都是好的。",
    ),
    _leaf(
        "kids-clothes",
        "儿童T恤 @0.15|儿童牛仔裤 @0.3|儿童卫衣 @0.35|女童公主裙 @0.3|儿童雨衣 @0.4|校服套装 @0.6|"
        "儿童羽绒服 @0.8|儿童滑雪服 @1.0|一大包童装 @2.0",
        brands="优衣库|巴拉巴拉|小猪班纳|安踏儿童|ZARA|迷你巴拉巴拉|Moodytiger",
        brand_rate=0.7,
        details="110码|120码|130码|140码|150码|160码|3-4岁",
        notes="长大穿不下了，不是穿坏的。|膝盖有点磨，不影响穿。|打包价，不拆卖。|名字标签可以拆掉。",
    ),
    _leaf(
        "kids-shoes",
        "儿童凉鞋|发光运动鞋|儿童运动鞋|儿童雨靴|儿童小白鞋|宝宝学步鞋|儿童雪地靴",
        brands="回力|巴拉巴拉|安踏儿童|李宁|耐克|基诺浦|ECCO",
        brand_rate=0.75,
        details="24码|26码|28码|30码|32码|34码|内长16cm",
        notes="鞋底纹路还很深。|魔术贴粘得很牢。|只穿了一季，小孩脚长得快。",
    ),
    # 鞋
    _leaf(
        "sneakers",
        "回力: *小白鞋|匡威: * 1970s|Vans: * Old Skool|阿迪达斯: * Samba|安踏: * C202 跑鞋|"
        "耐克: * Air Force 1|李宁: *韦德之道|New Balance: * 550|耐克: * Dunk Low|"
        "New Balance: * 990v5|萨洛蒙: * XT-6",
        details=_SHOE_SIZES,
        notes="鞋底还有很多纹路。|穿过几次就一直放在鞋盒里。|挂之前清洗过。|原盒和备用鞋带都在。",
    ),
    _leaf(
        "boots",
        "真皮短靴|切尔西靴|过膝长靴|登山靴|骆驼: *户外登山靴|Dr.Martens: * 1460 马丁靴|"
        "添柏岚: *大黄靴|Red Wing: * 铁骑士",
        brands="百丽|ZARA|森达|其乐|ECCO",
        brand_rate=0.6,
        details=_SHOE_SIZES,
        notes="去年冬天换过鞋底。|皮面保养过，很软。|防水，秋天下雨穿也没渗水。",
    ),
    _leaf(
        "dress-shoes",
        "芭蕾平底鞋|粗跟单鞋|尖头高跟鞋|一字带高跟鞋|乐福鞋|德比鞋|布洛克皮鞋|牛津皮鞋",
        brands="他她|百丽|ZARA|森达|其乐|ECCO|Repetto",
        brand_rate=0.6,
        details=_SHOE_SIZES,
        notes="只在婚礼上穿过一次，之后一直放在防尘袋里。|鞋跟没有磨损。|真皮鞋底，还能穿很久。",
    ),
    _leaf(
        "sandals",
        "人字拖|草编渔夫鞋|坡跟凉鞋|真皮凉鞋|洞洞鞋|Teva: *凉鞋|勃肯: * Arizona 拖鞋|"
        "勃肯: * Gizeh 凉鞋",
        brands="哈瓦那|卡骆驰|ZARA|ECCO",
        brand_rate=0.4,
        details=_SHOE_SIZES,
        notes="鞋床已经贴合脚型，依然很舒服。|绑带可以调节。|只在暑假旅行时穿过。",
    ),
    # 箱包配饰
    _leaf(
        "handbags",
        "帆布托特包|小CK: *链条包|斜挎包|真皮单肩包|珑骧: *饺子包|迈克高仕: *托特包|"
        "蔻驰: * Tabby|Polène: * Numéro Un|路易威登: LV Speedy 30|古驰: *马衔扣包",
        brands="无印良品|ZARA|MANGO|小CK|COS",
        brand_rate=0.5,
        details="黑色|焦糖色|酒红色|带防尘袋|带长肩带|专柜购入 有小票",
        notes="四角没有磨损。|内里干净，没有笔印。|防尘袋和购物小票都在。|能放下13寸笔记本。|"
        "专柜购入，支持验货。",
    ),
    _leaf(
        "backpacks",
        "学生书包 @0.6|小米: *通勤双肩包 @0.5|杰斯伯: *双肩包 @0.4|北面: *双肩包 @0.9|登山包 40L @1.3|"
        "20寸 登机箱 @2.8|地平线8号: *登机箱 @2.5|新秀丽: *拉杆箱 @3.0|28寸 大行李箱 @4.5|"
        "日默瓦: * Essential 登机箱 @3.2",
        details="黑色|藏青色|带电脑隔层|万向轮",
        notes="拉链顺滑，轮子走得很直。|里面干净无破损。|尺寸可以直接登机。",
    ),
    _leaf(
        "watches",
        "卡西欧: *小方块|卡西欧: * G-Shock GA-2100|斯沃琪: * Sistem51|天王: *石英表|"
        "飞亚达: *机械表|精工: *5号|天梭: * PRX|汉米尔顿: *卡其野战|浪琴: *名匠",
        details="盒卡齐全|原装表带|40mm|38mm|去年刚保养",
        notes="走时准确。|只有表扣上有点细微划痕。|上个月刚换了电池。|送一条备用表带。",
    ),
    _leaf(
        "jewellery",
        "S925银耳环|镀金项链|串珠手链|银戒指|复古胸针|珍珠项链|潘多拉: *手链|施华洛世奇: *项链|"
        "周大福: *足金转运珠|周生生: * 18K金项链",
        details="S925纯银|带首饰盒|10号戒圈|链长45cm|有证书",
        notes="已经清洗抛光过。|带礼盒包装。|风格变了，不戴了，给它找个新主人。",
    ),
    # 家具
    _leaf(
        "sofas",
        "懒人沙发 @8|宜家: * 波昂扶手椅 @14|宜家: * 克利帕双人沙发 @37|沙发床 @55|布艺三人沙发 @55|"
        "宜家: * 爱克托三人沙发 @55|真皮单人沙发 @28|源氏木语: *实木沙发 @60|L型转角沙发 @85|"
        "顾家: *真皮沙发 @75|芝华仕: *功能沙发 @90",
        brands="林氏家居|全友|网易严选",
        brand_rate=0.3,
        details="灰色|深蓝色|米白色|绿色丝绒|浅灰色 可拆洗|棕色|奶油风",
        notes="沙发套可拆洗，刚洗过。|家里没有宠物，不抽烟。|需要两个人搬，普通门能过。|"
        "坐垫还很有弹性。",
    ),
    _leaf(
        "tables",
        "宜家: * 拉克边桌 @4|折叠桌 @9|客厅茶几 @15|宜家: * 丽萨伯餐桌 @25|大理石边几 @12|"
        "伸缩餐桌 @45|圆形实木餐桌 @40|源氏木语: *白橡木餐桌 @40|北欧实木餐桌 @60|岩板餐桌 @60",
        brands="林氏家居|全友|网易严选",
        brand_rate=0.25,
        details="四人位|六人位|80×80cm|120×75cm|160×90cm|白色|原木色",
        notes="桌面有点小划痕，不影响使用。|桌腿可以拆下来，方便运输。|坐六个人很宽敞。",
    ),
    _leaf(
        "chairs",
        "宜家: * 阿德椅子 @3|折叠椅 @3|吧台凳 @5|实木餐椅 四把 @20|办公椅 @14|藤编扶手椅 @8|"
        "宜家: * 马库斯办公椅 @20|网易严选: *人体工学椅 @16|西昊: *人体工学椅 @18|"
        "赫曼米勒: * Aeron 办公椅 @19",
        brands="宜家|无印良品|网易严选",
        brand_rate=0.25,
        details="黑色|白色|原木色|丝绒坐垫|两把",
        notes="很结实，不晃。|升降很顺滑。|一般小车就能装下。",
    ),
    _leaf(
        "beds",
        "单人床架 1.2米 @25|铁艺床 1.5米 @30|乳胶床垫 1.5米 @25|宜家: * 汉尼斯坐卧两用床 @60|"
        "宜家: * 马尔姆床架 1.8米 @55|上下铺 @65|席梦思床垫 1.8米 @32|喜临门: *床垫 1.8米 @30|"
        "实木床 1.8米 @75|慕思: *床垫 1.8米 @35",
        details="已拆好 可直接拉走|带床板|安装说明书都在",
        notes="已经拆好，螺丝都装袋了。|床垫一直套着保护罩用。|睡着没有异响。",
    ),
    _leaf(
        "wardrobes",
        "玄关鞋柜 @18|宜家: * 卡莱克格子柜 @35|五斗柜 @40|宜家: * 马尔姆六斗柜 @55|电视柜 @45|"
        "北欧风边柜 @50|宜家: * 帕克思衣柜 @110|实木衣柜 @95|索菲亚: *衣柜 @120",
        details="白色|橡木纹|黑褐色|带柜门",
        notes="抽屉推拉顺滑。|要拆开才能搬出去，我可以帮忙拆。|背板没拆过，很稳。",
    ),
    _leaf(
        "desks",
        "宜家: * 利蒙桌子 @12|宜家: * 米克书桌 @20|电脑桌 @25|实木书桌 @30|转角书桌 @35|"
        "电动升降桌 @35|护童: *儿童学习桌 @35|乐歌: *电动升降桌 @36|宜家: * 比肯升降桌 @40",
        details="白色|原木色|黑色|带走线槽|120×60cm",
        notes="升降电机很安静，功能正常。|很适合在家里做个办公角。|桌面有点小划痕。",
    ),
    _leaf(
        "shelves",
        "壁挂置物架 @3|梯形置物架 @8|宜家: * 伊娃储物架 @20|工业风铁艺置物架 @18|"
        "宜家: * 毕利书柜 @30|落地书架 @25|实木书架 @35|宜家: * 卡莱克书架 4×4 @45",
        details="白色|桦木色|橡木纹|黑色",
        notes="墙面固定件都在。|已经拆开了，方便运输。|放很多书也不会变形。",
    ),
    # 家居
    _leaf(
        "lighting",
        "床头灯 @1.0|宜家: * 特地奥台灯 @1.2|藤编吊灯 @0.9|落地灯 @5|小米: 米家台灯Pro @1.0|"
        "飞利浦: *护眼台灯 @1.2|复古黄铜台灯 @2.5|明基: *屏幕挂灯 @0.8|"
        "路易斯波尔森: * PH5 吊灯 @3",
        details="带灯泡|E27螺口|暖光|黑色|黄铜色",
        notes="送一个LED灯泡。|电线和开关都完好。|晚上开着光线很温馨。",
    ),
    _leaf(
        "kitchenware",
        "摩卡壶 @0.6|玻璃杯 六只装 @1.5|苏泊尔: *炒锅 @2|餐具套装 12件 @6|双立人: *刀具套装 @1.5|"
        "铸铁锅 @2.8|不锈钢锅具套装 @5|双立人: *珐琅锅 @4.5|Staub: *珐琅铸铁锅 26cm @5.5|"
        "酷彩: *珐琅锅 24cm @5",
        brands="宜家|苏泊尔|爱仕达|双立人",
        brand_rate=0.4,
        details="电磁炉可用|可进洗碗机|带锅盖",
        notes="电磁炉和燃气灶都能用。|没有磕碰裂纹。|和对象住到一起了，厨具有两套。",
    ),
    _leaf(
        "decor",
        "香薰蜡烛套装 @0.8|相框 三个装 @1.5|玻璃花瓶 @1.2|北欧挂钟 @0.8|装饰画 @1.8|陶瓷花盆 @2|全身镜 @4|"
        "圆形壁镜 @7|复古陶瓷花瓶 @1.5|地毯 160×230 @6|手工羊毛地毯 @8",
        details="白色|陶土色|黑色边框|金色边框|奶油风",
        notes="重新装修了，和房间风格不搭了。|没有磕碰。|配几盆绿植很好看。",
    ),
    _leaf(
        "textiles",
        "抱枕套 两个装 @0.4|纯棉浴巾 @1.5|四件套 1.5米床 @1.2|棉麻窗帘 @1.5|沙发毯 @1.2|"
        "蚕丝被 @2.5|羊毛毯 @1.8|羽绒枕 一对 @2|天丝四件套 1.8米床 @2",
        brands="宜家|网易严选|无印良品|水星家纺|罗莱",
        brand_rate=0.5,
        details="白色|灰绿色|灰色|原色亚麻",
        notes="洗干净叠好了，家里无烟。|没有污渍，不起球。|买给客房用的，基本没用过。",
    ),
    _leaf(
        "garden",
        "浇水壶 @1|园艺工具套装 @3|阳台花盆 @4|水管收纳车 @6|遮阳伞 @8|阳台休闲椅 @10|"
        "户外折叠桌椅 @14|烧烤架 @15|户外长椅 @22|牧田: *充电割草机 @14",
        details="带罩子|绿色|黑色|带电池和充电器",
        notes="搬去没有阳台的房子了。|冬天一直收在储物间。|清洗干净了，夏天正好用。",
    ),
    _leaf(
        "tools",
        "螺丝刀套装 @0.8|水平仪 @0.6|小米: 米家电动螺丝刀 @0.5|家用工具箱 @6|人字梯 @6|曲线锯 @2.5|"
        "博世: *手电钻 @1.5|电圆锯 @4|牧田: *冲击起子 @1.6|得伟: *锂电钻套装 @3|"
        "卡赫: *高压清洗机 @12",
        details="带两块电池|带工具箱|带充电器|基本没用",
        notes="功能正常，只在装修时用过一次。|电池还很耐用。|送一套钻头。",
    ),
    # 家电
    _leaf(
        "washing-machines",
        "小天鹅: *波轮洗衣机 8公斤|海尔: *滚筒洗衣机 10公斤|美的: *滚筒洗衣机 10公斤|"
        "小米: 米家洗烘一体机|海尔: *热泵烘干机|西门子: *滚筒洗衣机|松下: *洗烘一体机|"
        "博世: *洗烘一体机",
        details="1400转|滚筒|一级能效|带进水管",
        notes="功能正常，来拉的时候可以现场通电试。|门封和过滤网都清洗过。|"
        "新房自带洗衣机，这台用不上了。",
    ),
    _leaf(
        "fridges",
        "小冰箱 @20|海尔: *双门冰箱 @40|小冰柜 @40|美的: *三门冰箱 @55|容声: *十字对开门冰箱 @70|"
        "西门子: *冰箱 @70|海尔: *对开门冰箱 @90|卡萨帝: *法式多门冰箱 @95",
        details="白色|银色|风冷无霜|一级能效",
        notes="制冷好，很安静，里面干净。|已经除霜清洗了。|运输的时候要竖着放。",
    ),
    _leaf(
        "dishwashers",
        "美的: *台式洗碗机|海尔: *嵌入式洗碗机|美的: *嵌入式洗碗机 13套|方太: *水槽洗碗机|"
        "西门子: *嵌入式洗碗机|博世: *独立式洗碗机",
        details="独立式|嵌入式|13套|8套",
        notes="洗得干净，烘干也好。|过滤网清洗过。|厨房重新装修，只能出掉。",
    ),
    _leaf(
        "cookers",
        "电磁炉 @3|电陶炉 @4|燃气灶 @8|方太: *燃气灶 @10|嵌入式烤箱 @32|美的: *嵌入式蒸烤箱 @35|"
        "西门子: *嵌入式烤箱 @35|老板: *蒸烤一体机 @40",
        details="带烧烤功能|天然气|液化气|不锈钢",
        notes="需要自己拆装，或者找师傅。|每个火头都正常，烤箱升温也正常。|挂之前彻底清洁过。",
    ),
    _leaf(
        "microwaves",
        "格兰仕: *微波炉 20L|美的: *微波炉|带烧烤功能的微波炉|松下: *微波炉|美的: *微蒸烤一体机|"
        "东芝: *微蒸烤一体机",
        details="800W|白色|黑色|不锈钢",
        notes="功能正常，里面很干净。|转盘和说明书都在。|换了蒸烤箱，这个用不上了。",
    ),
    _leaf(
        "vacuum-cleaners",
        "有线吸尘器|小米: 米家无线吸尘器|美的: *无线吸尘器|追觅: * V12 无线吸尘器|戴森: * V8|"
        "科沃斯: *扫地机器人|石头: *扫地机器人|戴森: * V12|追觅: * X20 扫拖一体机",
        details="配件齐全|带备用滤网|带充电座",
        notes="吸力很强，滤网刚洗过。|电池能用半小时左右。|所有吸头都在。",
    ),
    _leaf(
        "coffee-machines",
        "雀巢: *多趣酷思胶囊机 @2|美式咖啡机 @2|心想: *胶囊咖啡机 @2.3|"
        "Nespresso: * Essenza Mini 胶囊机 @2.3|德龙: * Dedica 半自动咖啡机 @4.2|"
        "柏翠: *半自动咖啡机 @5|飞利浦: *全自动咖啡机 @8|德龙: *全自动咖啡机 @9|"
        "铂富: * Breville 878 @10",
        details="已除垢|带打奶缸|黑色|银色",
        notes="上周刚除过垢。|油脂很丰富。|改用手冲了，这台就闲置了。",
    ),
    _leaf(
        "small-kitchen-appliances",
        "电热水壶 @1.2|料理棒 @1|电火锅 @2.5|电饭煲 @4|面包机 @4|破壁机 @4|空气炸锅 @5|厨师机 @10|"
        "凯伍德: *厨师机 @10|KitchenAid: *厨师机 @11",
        brands="小熊|九阳|美的|苏泊尔|小米|飞利浦|摩飞",
        brand_rate=0.65,
        details="白色|黑色|奶白色|配件齐全",
        notes="功能正常，已经清洗干净。|用了几次就一直放在柜子里。|配件都在。",
    ),
    # 自行车
    _leaf(
        "city-bikes",
        "单速自行车|通勤自行车|凤凰: *二八大杠自行车|永久: *复古自行车|折叠自行车|"
        "喜德盛: *通勤自行车|捷安特: * Escape 1 平把自行车|大行: *折叠自行车|小布: Brompton 折叠车",
        details="带车灯和锁|带车筐|带后货架|车架49cm|车架53cm|7速",
        notes="今年春天换了新外胎和刹车皮。|送车灯和锁。|骑起来很顺，变速清脆。|一直放在室内。",
    ),
    _leaf(
        "road-bikes",
        "入门公路自行车|迪卡侬: * RC120 公路车|捷安特: * SCR 2 公路车|喜德盛: * AD350 公路车|"
        "美利达: *斯特拉 公路车|捷安特: * TCR 公路车|闪电: * Allez 公路车|"
        "崔克: * Domane AL 公路车|崔克: * Emonda SL5 公路车",
        details="XS码|S码|M码|105套件|Sora套件|碳纤维前叉",
        notes="上个月刚保养，换了链条和飞轮。|没摔过，车架完好。|送脚踏和水壶架。",
    ),
    _leaf(
        "mountain-bikes",
        "迪卡侬: * ST100 山地车|永久: *变速山地自行车|喜德盛: *英雄600 山地车|"
        "美利达: *勇士 山地自行车|捷安特: * 山地自行车 ATX|捷安特: * ATX 830 山地车|"
        "崔克: * Marlin 7 山地车|闪电: * Rockhopper 山地车",
        details="27.5寸|29寸|26寸|油刹|27速|S码|M码",
        notes="前叉上个赛季保养过。|轮胎花纹还很深。|只在周末骑过林道。",
    ),
    _leaf(
        "e-bikes",
        "雅迪: *电动车 新国标|爱玛: *电动车|台铃: *电动车|小牛: * NQi 电动车|九号: *电动车 C80|"
        "小米: 米家电助力折叠自行车|喜德盛: *电助力自行车|捷安特: *电助力自行车|"
        "闪电: * Turbo Vado 电助力自行车",
        details="带充电器和两把钥匙|48V锂电|已上牌|续航60公里",
        notes="电池还能跑五六十公里。|去年换过刹车皮。|充电器、钥匙和车锁都给。",
    ),
    _leaf(
        "kids-bikes",
        "儿童平衡车 @3.5|14寸儿童自行车 @7|16寸儿童自行车 带辅助轮 @8.5|优贝: *儿童自行车 @8|"
        "好孩子: *儿童自行车 @8|20寸儿童自行车 @10|迪卡侬: *儿童自行车 @9|24寸山地自行车 @12|"
        "捷安特: *儿童自行车 @9|woom: * 4 儿童自行车 @7.7",
        details="红色|蓝色|粉色|带铃铛",
        notes="孩子长大骑不了了。|胎已经打足气，刹车也调好了。|很轻，五岁小孩自己就能推。",
    ),
    _leaf(
        "scooters",
        "儿童滑板车 @3|米高: *滑板车 @2.5|迪卡侬: *成人滑板车 @5|小米: 米家电动滑板车1S @12.5|"
        "九号: *电动滑板车 Max G30 @19",
        details="带充电器|可折叠|黑色",
        notes="折起来很小，可以带上地铁。|续航还有20公里左右。|上个月刚换了新轮胎。",
    ),
    # 母婴
    _leaf(
        "strollers",
        "轻便伞车|好孩子: *婴儿推车|宝宝好: *遛娃神器|Pouch: *婴儿车|babyzen: YOYO2 婴儿车|"
        "bugaboo: * Bee5|Cybex: * Priam|bugaboo: * Fox2|Stokke: * Xplory",
        details="带雨罩|带睡篮|带脚套|黑色|灰色",
        notes="可以单手收车。|布套洗过了，轮子和刹车都好的。|雨罩和杯架都给。",
    ),
    _leaf(
        "car-seats",
        "儿童增高垫 @3|好孩子: *安全座椅 @9|Maxi-Cosi: 迈可适提篮 @4|安默凯尔: *安全座椅 @12|"
        "Joie: 巧儿宜安全座椅 @15|宝得适: *安全座椅 @14|Cybex: * Sirona 安全座椅 @13",
        details="ISOFIX接口|i-Size认证|带底座",
        notes="没出过事故。|布套洗过，还在使用期限内。|说明书都在。",
    ),
    _leaf(
        "cots",
        "婴儿摇椅 @5|便携游戏床 @8|床边床 @15|可优比: *婴儿床 @18|尿布台 @20|好孩子: *婴儿床 @20|"
        "宜家: * 松维克婴儿床 @25|Stokke: * Sleepi 婴儿床 @36",
        details="带床垫|白色|原木色",
        notes="床垫一直铺着隔尿垫用。|高度可以随宝宝长大调节。|已经拆开了，方便运输。",
    ),
    _leaf(
        "high-chairs",
        "宜家: * 安迪洛宝宝餐椅|宝宝餐椅|可折叠宝宝餐椅|实木宝宝餐椅|哈卡达: *宝宝餐椅|"
        "Chicco: 智高 Polly 餐椅|Stokke: * Tripp Trapp 成长椅|Stokke: * Tripp Trapp 带婴儿套件",
        details="白色|原木色|灰色|带餐盘",
        notes="很好擦洗。|餐盘和安全带都在。|可以一直用到孩子长大。",
    ),
    # 图书音像
    _leaf(
        "books",
        "《活着》余华 @0.3|《解忧杂货店》东野圭吾 @0.4|《百年孤独》 @0.5|《人类简史》 @0.6|"
        "小说 一箱打包 @3|《三体》全三册 @1.2|《平凡的世界》全三册 @1.5|《哈利·波特》全七册 @3|"
        "金庸武侠全集 @6",
        details="平装|精装|正版|一版一印",
        notes="只看过一遍，没有笔记和折角。|书脊只有轻微折痕。|家里无烟。|可以和其他书一起打包。",
    ),
    _leaf(
        "textbooks",
        "《线性代数》同济版 @0.5|考研英语真题 @0.7|《高等数学》同济第七版 @0.8|"
        "教师资格证教材 @1.5|《经济学原理》曼昆 @1.8|《算法导论》 @2.2|雅思剑桥真题 4-18 @4|"
        "法考教材 全套 @5|CPA教材 全套 @6",
        details="最新版|有笔记|没有笔记|上一版",
        notes="前几章有铅笔笔记，其余很干净。|考完上岸了，书就出掉。|封面完好。",
    ),
    _leaf(
        "comics",
        "《守望者》 @0.9|《一人之下》1-10卷 @1.5|《镖人》1-10卷 @2|《海贼王》1-20卷 @2|"
        "《鬼灭之刃》全套 @2.5|《灌篮高手》全套 @3|《名侦探柯南》1-30卷 @3|《进击的巨人》全套 @4|"
        "《火影忍者》全套 @5",
        details="简体中文版|台版|首刷|只看过一遍",
        notes="一直平放收纳，避光保存。|没有折痕和破损。|整套出，不拆卖。",
    ),
    _leaf(
        "records",
        "周杰伦《范特西》CD @0.1|王菲《天空》CD @0.1|窦唯《黑梦》CD @0.1|邓丽君 黑胶唱片 @0.3|"
        "Taylor Swift《1989》黑胶 @0.3|Beatles《Abbey Road》黑胶 @0.3|Pink Floyd《月之暗面》黑胶 @0.3|"
        "CD 一箱 30张 @3|黑胶唱片 40张打包 @10",
        details="首版|再版|内页齐全|只听过几次",
        notes="播放没有跳针和杂音。|一直竖着放，带内袋。|清理一部分收藏，腾点地方。",
    ),
    _leaf(
        "films",
        "《地球脉动2》蓝光 @0.2|《指环王》三部曲 DVD @0.4|宫崎骏合集 蓝光 @0.8|"
        "《老友记》全季 DVD @1.2|《哈利·波特》八部 蓝光 @0.6|DVD 打包 20部 @2.5|诺兰合集 4K蓝光 @0.6",
        details="带外盒|光盘无划痕|中文字幕",
        notes="每张都能正常播放。|盒子和说明书都在。|现在都在网上看了。",
    ),
    # 玩具
    _leaf(
        "toys",
        "毛绒玩具 一袋 @1.2|贝恩施: *益智玩具 @1.5|奥特曼玩具套装 @1.5|遥控汽车 @2|"
        "布鲁可: *积木车 @2|木质小火车轨道 @3|小猪佩奇城堡 @3|费雪: *学习桌 @4|"
        "泡泡玛特: *盲盒 一整套 @1.2|儿童过家家厨房 @12",
        details="齐全|带电池|原盒",
        notes="零件都在。|已经清洗消毒过。|孩子玩了很久，很耐玩。",
    ),
    _leaf(
        "board-games",
        "UNO卡牌 @0.2|狼人杀 @0.3|三国杀 @0.5|1000片拼图 @0.8|只言片语 @1.2|卡坦岛 @1.4|"
        "璀璨宝石 @1.2|花砖物语 @1.2|展翅翱翔 @2|幽港迷城 @9.5",
        details="齐全|中文版|带扩展|卡牌已套膜",
        notes="配件都点过，齐全。|只玩过五六次。|盒角有点磨损，内容完好。",
    ),
    _leaf(
        "building-sets",
        "森宝: *积木 @2|乐高: *经典创意积木 @1.5|乐高: *好朋友系列 @1.5|乐高: *城市消防局 @1.8|"
        "乐高: *得宝大颗粒 @3|乐高: *悟空小侠 @2|乐高: *机械组保时捷911 @3|乐高: *星战千年隼 @4",
        details="带说明书 齐全|无盒|原盒齐全|已分装",
        notes="对着说明书检查过，一块不少。|拼好后一直展示，没晒过太阳。|零件都清洗过。",
    ),
    _leaf(
        "video-games",
        "Switch 马力欧赛车8 卡带 @0.1|Switch 动物森友会 卡带 @0.1|Switch 宝可梦 朱 卡带 @0.1|"
        "Switch 塞尔达传说 旷野之息 卡带 @0.1|PS4 荒野大镖客2 光盘 @0.1|PS5 艾尔登法环 光盘 @0.1|"
        "PS5 战神 诸神黄昏 光盘 @0.1|PS5 黑神话：悟空 光盘 @0.1|PS4 游戏光盘 10张打包 @0.8",
        details="中文版|港版|盒说全|无划痕",
        notes="光盘无划痕。|已经通关了，给别人玩吧。|卡带通用，各版本机器都能玩。",
    ),
    # 运动户外
    _leaf(
        "fitness",
        "瑜伽垫 @1.5|弹力带套装 @0.5|门上单杠 @2|壶铃 12公斤 @12|可调节哑铃 2×20公斤 @42|健身凳 @16|"
        "Keep: *动感单车 @30|小米: * WalkingPad 走步机 @25|划船机 @32|舒华: *跑步机 @60",
        notes="疫情期间买的，之后基本没用过。|可以折叠收纳。|干净，功能完好。",
    ),
    _leaf(
        "camping",
        "户外头灯 @0.1|登山杖 @0.5|防潮垫 @0.8|卡式炉 @1.5|露营睡袋 @1.4|挪客: *天幕 @2|双人帐篷 @2.5|"
        "骆驼: *户外折叠桌椅 @6|迪卡侬: *二秒速开帐篷 @3.5|露营推车 @12|牧高笛: *帐篷 @3",
        details="用过两季|用过一季|收纳袋齐全",
        notes="干燥干净，一直避光存放。|没有破洞，杆子完好。|只在周末出去玩过几次。",
    ),
    _leaf(
        "winter-sports",
        "滑雪手套 @0.2|滑雪镜 @0.2|滑雪头盔 @0.5|滑雪服 @1|单板滑雪鞋 @2.5|双板滑雪鞋 @3.5|"
        "单板滑雪板 @3.5|Burton: *单板 带固定器 @4.5|萨洛蒙: *双板 带固定器 @6|"
        "阿托米克: *双板 170cm @6",
        details="用过两季|用过一季|刚打过蜡",
        notes="上个雪季结束时修过刃打过蜡。|每年只滑一周。|板面没有裂纹。",
    ),
    _leaf(
        "racket-sports",
        "羽毛球拍 一对 @0.4|乒乓球拍 一对 @0.4|红双喜: *乒乓球拍 @0.2|李宁: *羽毛球拍 @0.1|"
        "尤尼克斯: *天斧 羽毛球拍 @0.1|威尔胜: *网球拍 @0.3|海德: *网球拍 @0.3|"
        "百宝力: * Pure Drive 网球拍 @0.3|尤尼克斯: *弓箭11 羽毛球拍 @0.1",
        details="4U|3U|带拍套|刚穿的线",
        notes="线刚穿的。|送拍套。|很轻，好上手。",
    ),
    _leaf(
        "instruments",
        "布鲁斯口琴 @0.1|尤克里里 @0.6|小提琴 @0.5|雅马哈: * C40 古典吉他 @1.5|卡西欧: *电子琴 @4|"
        "民谣吉他 @2.2|实木古筝 @6|雅马哈: * P-45 电钢琴 @11.5|罗兰: *电鼓 @22|芬达: * Telecaster 电吉他 @3.6",
        details="带琴包|带琴架|新换的琴弦|送调音器",
        notes="音准没问题，不打品。|送琴包。|一直没时间练，闲置了。",
    ),
)

CATALOG: dict[str, ZhLeaf] = {entry.slug: entry for entry in _CATALOG}

# The condition as sellers put it in a title: first (``九成新 捷安特 ...``) or last.
TITLE_CONDITIONS: dict[Condition, tuple[str, ...]] = {
    Condition.NEW_WITH_TAGS: _list("全新"),
    Condition.LIKE_NEW: _list("99新|95新|几乎全新"),
    Condition.GOOD: _list("九成新|9成新|自用九成新"),
    Condition.FAIR: _list("八成新|七成新"),
    Condition.FOR_PARTS: _list("瑕疵 低价出|需维修"),
}
KIND_TITLE_CONDITIONS: dict[tuple[str, Condition], tuple[str, ...]] = {
    ("wear", Condition.NEW_WITH_TAGS): _list("全新带吊牌|全新"),
    ("tech", Condition.NEW_WITH_TAGS): _list("全新未拆封|全新"),
    ("appliance", Condition.NEW_WITH_TAGS): _list("全新未拆封"),
    ("media", Condition.NEW_WITH_TAGS): _list("全新未拆封"),
    ("toys", Condition.NEW_WITH_TAGS): _list("全新未拆封|全新"),
    ("tech", Condition.LIKE_NEW): _list("99新|95新|无拆无修"),
    ("tech", Condition.FOR_PARTS): _list("故障机|零件机"),
    ("appliance", Condition.FOR_PARTS): _list("故障|当零件卖"),
}

CONDITION_NOTES: dict[Condition, tuple[str, ...]] = {
    Condition.NEW_WITH_TAGS: _list("全新未使用。|全新，包装都没拆。|买来一直没用上，全新。"),
    Condition.LIKE_NEW: _list(
        "99新，只用过几次，没有使用痕迹。|95新，几乎没怎么用。|自用，保护得很好，跟新的一样。|"
        "成色很新。"
    ),
    Condition.GOOD: _list(
        "九成新，有轻微使用痕迹。|正常使用痕迹，不影响使用。|自用九成新，保存得不错。|"
        "用过但很爱惜，成色不错。"
    ),
    Condition.FAIR: _list(
        "八成新，有明显使用痕迹，介意勿拍。|有些小瑕疵，所以价格便宜。|"
        "有磕碰和划痕，已经按成色定价。"
    ),
    Condition.FOR_PARTS: _list("有故障，当零件卖，不退不换。|需要维修，所以很便宜。"),
}
KIND_CONDITION_NOTES: dict[tuple[str, Condition], tuple[str, ...]] = {
    ("wear", Condition.NEW_WITH_TAGS): _list("全新带吊牌，没穿过。|吊牌还在，一直放在衣柜里。"),
    ("tech", Condition.NEW_WITH_TAGS): _list("全新未拆封，有发票。|全新未拆封，别人送的。"),
    ("appliance", Condition.NEW_WITH_TAGS): _list("全新未安装，还在箱子里。"),
    ("media", Condition.NEW_WITH_TAGS): _list("全新，塑封还在。"),
    ("tech", Condition.LIKE_NEW): _list("99新，配件齐全，有发票。|95新，无拆无修。"),
    ("tech", Condition.GOOD): _list("自用九成新，功能正常。|九成新，配件齐全。"),
    ("appliance", Condition.GOOD): _list("自用九成新，功能正常。|用了两年，一直很正常。"),
    ("wear", Condition.FAIR): _list("洗过几次，有点褪色。|有点起球，还能穿很久。"),
    ("tech", Condition.FAIR): _list("功能正常，仅外观有划痕。|都能用，外观有磨损。"),
    ("appliance", Condition.FAIR): _list("功能正常，侧面有点磕碰。|都能用，正面有些划痕。"),
    ("home", Condition.FAIR): _list("表面有几处划痕，补补漆就好。|用得比较久了，但很结实。"),
    ("tech", Condition.FOR_PARTS): _list(
        "能开机但屏幕有问题，当零件机卖。|不开机了，没拿去修过，当零件机出。"
    ),
    ("appliance", Condition.FOR_PARTS): _list(
        "上个月坏了，懂行的修一下应该能用。|运行时声音很大，按故障件出。"
    ),
    ("bike", Condition.FOR_PARTS): _list(
        "需要换链条和刹车皮，动手能力强的来。|车架没问题，变速需要调。"
    ),
    ("home", Condition.FOR_PARTS): _list("有一条腿松了，需要重新粘。|需要修一下。"),
    ("toys", Condition.FOR_PARTS): _list("少了几个零件。|能玩，但零件不全。"),
    ("sport", Condition.FOR_PARTS): _list("需要修一下，按现状出。"),
}

REASONS: dict[str, tuple[str, ...]] = {
    "any": _list(
        "搬家出。|家里放不下了，闲置出。|用得太少了，闲置。|房子小，腾地方。|别人送的，用不上。|"
        "断舍离，清理闲置。|下个月要出国了，东西都出掉。"
    ),
    "new": _list("别人送的，用不上。|买多了一个。|买错了，过了退货期。|买来发现用不上。"),
    "tech": _list("换新了，旧的出掉。|公司发了新的，这台闲置了。"),
    "appliance": _list("新房子有自带的。|换了大的，这个出了。|厨房要重新装修。"),
    "wear": _list("现在穿不下了。|买大了，过了退换时间。|清理衣柜。"),
    "home": _list("客厅重新布置。|新房子是精装带家具的。|和对象搬到一起住，东西都有两份。"),
    "bike": _list("换工作后骑得少了。|买了新车通勤。|新家没地方停。"),
    "baby": _list("孩子大了用不上了。|不打算再生了！|两个孩子都用过了，现在用不上了。"),
    "media": _list("书架放不下了。|让它去下一个主人那儿吧。|现在都看电子书了。"),
    "toys": _list("孩子大了不玩了。|清理玩具房。|生日收到了两个一样的。"),
    "sport": _list("没时间玩了。|升级装备了。|玩了一季，发现不适合我。"),
}

# ``{area}`` is the district (静安区), as a neighbour would say it.
PICKUP_NOTES: dict[str, tuple[str, ...]] = {
    "light": _list(
        "可包邮，也可以在{area}面交。|{area}地铁站附近可面交。|拍下两天内发货，默认快递。|"
        "{area}可自提，晚上时间方便。|同城可送，外地包邮。|不包邮，运费自理。"
    ),
    "medium": _list(
        "{area}可自提，附近也可以送。|{area}自提，工作日晚上或周末都行。|"
        "东西比较大不方便寄，仅限{area}自提。|同城可以送货上门，运费另算。"
    ),
    "heavy": _list(
        "大件仅限自提，地址在{area}，需要自己找车。|在三楼没有电梯，但我可以帮忙搬下去。|"
        "{area}自提，比较重，最好两个人来搬。|月底前要搬走，{area}自提。|"
        "大件不包邮，{area}自提，可以叫货拉拉。"
    ),
}
CLOSERS = _list(
    "可小刀。|非诚勿扰。|诚心要的私聊。|家里无烟无宠物。|有问题随时问。|先到先得，不留货。|"
    "看看我其他的闲置，一起拿有优惠。|一经售出，不退不换。"
)

# The district of each place in China, as people there name it (the seed must not need the
# compiled translations; these agree with the catalog's "上海 静安区" for "Shanghai, Jing'an").
DISTRICTS: dict[str, str] = {
    "shanghai-jingan": "静安区",
    "shanghai-xuhui": "徐汇区",
    "shanghai-huangpu": "黄浦区",
    "shanghai-pudong": "浦东新区",
    "shanghai-yangpu": "杨浦区",
    "hangzhou-xihu": "西湖区",
    "hangzhou-gongshu": "拱墅区",
    "hangzhou-binjiang": "滨江区",
    "beijing-dongcheng": "东城区",
    "beijing-chaoyang": "朝阳区",
    "beijing-haidian": "海淀区",
    "shenzhen-futian": "福田区",
    "shenzhen-nanshan": "南山区",
    "shenzhen-longgang": "龙岗区",
    "chengdu-jinjiang": "锦江区",
    "chengdu-wuhou": "武侯区",
    "chengdu-gaoxin": "高新区",
}


def _pairs(spec: str) -> tuple[tuple[str, str], ...]:
    """``"王=wang|李=li"``: Chinese text and its plain-ASCII pinyin."""
    return tuple((zh, ascii_) for zh, _, ascii_ in (item.partition("=") for item in _list(spec)))


# Display names as people pick them there: 小王, 陈女士, 乐乐妈, a nickname, an English name.
SURNAMES = _pairs(
    "王=wang|李=li|张=zhang|刘=liu|陈=chen|杨=yang|黄=huang|赵=zhao|吴=wu|周=zhou|徐=xu|孙=sun|"
    "马=ma|朱=zhu|胡=hu|郭=guo|何=he|高=gao|林=lin|罗=luo|郑=zheng|梁=liang|谢=xie|宋=song|"
    "唐=tang|韩=han|冯=feng|邓=deng|曹=cao|许=xu"
)
SURNAME_PATTERNS = _pairs(
    "小{}=xiao{}|老{}=lao{}|{}先生={}.xiansheng|{}女士={}.nvshi|{}同学={}.tongxue|"
    "{}老师={}.laoshi|{}姐={}jie"
)
CHILDREN = _pairs(
    "乐乐=lele|豆豆=doudou|果果=guoguo|朵朵=duoduo|糖糖=tangtang|皮皮=pipi|小宝=xiaobao|"
    "安安=anan|团团=tuantuan|米粒=mili|甜甜=tiantian|多多=duoduo"
)
NICKNAMES = _pairs(
    "阿杰=ajie|阿May=amay|阿斌=abin|浩哥=haoge|Cathy=cathy|Kevin=kevin|Lily=lily|Tony=tony|"
    "Vivian=vivian|Jason=jason|Coco=coco|不吃香菜=buchi.xiangcai|橘子汽水=juzi.qishui|"
    "一只胖橘=yizhi.pangju|大白=dabai|小鱼儿=xiaoyuer|晴天=qingtian|木子=muzi|南风=nanfeng|"
    "柠檬不酸=ningmeng.busuan|芒果布丁=mangguo.buding|周末去骑车=zhoumo.qiche|"
    "爱睡觉的猫=shuijiao.mao|山竹=shanzhu|咸鱼翻身=xianyu.fanshen|断舍离中=duansheli|"
    "搬砖的小李=banzhuan.xiaoli|早睡早起=zaoshui.zaoqi|奶茶续命=naicha.xuming|西瓜=xigua"
)
