"""Table-driven behaviour of nlp.classify on short WeChat-style messages."""
import dataclasses

import pytest

import nlp
from nlp.lexicon import DOMAINS

FIELDS = ["kind", "domain", "category", "department", "urgency", "emergency", "confidence",
          "keywords", "entities", "faq"]


@pytest.fixture(scope="module", autouse=True)
def loaded():
    nlp.load()


KINDS = [
    # complaint
    ("楼下烧烤店油烟太大了，天天晚上熏得没法开窗", "complaint"),
    ("小区门口路灯坏了一个星期了没人修", "complaint"),
    ("隔壁装修从早上7点吵到晚上10点，还让不让人休息了", "complaint"),
    ("投诉！物业乱收停车费", "complaint"),
    ("垃圾桶满了三天没人清运，臭死了", "complaint"),
    ("人民路12号门口有人摆摊占道，车都过不去", "complaint"),
    ("网格员态度很差，一点都不负责", "complaint"),
    # a nuisance that recurs is reported, even when asked about
    ("楼上经常半夜拖椅子，有没有人能说一下？", "complaint"),
    ("楼下烧烤摊天天开到半夜，谁能管管吗", "complaint"),
    # a question asking someone to act is a request
    ("楼道灯坏了好几天了，能给修一下吗？", "complaint"),
    ("家门口的井盖松了，能帮忙处理吗", "complaint"),
    # a proposal word with perfective 了 tells what was done
    ("小区门口增加了两个垃圾桶，还是满地垃圾", "complaint"),
    ("物业把绿地改为了停车场", "complaint"),
    ("对门被改成了群租房，住了十几个人", "complaint"),
    # damage at home is reported; thanks before a new problem do not make it praise
    ("我家水管爆了 水漫出来了", "complaint"),
    ("谢谢你们 不过又漏水了", "complaint"),
    ("能不能派个人来看看 我家门口的树倒了挡住路了", "complaint"),   # asks someone to come
    # praise for a problem solved names the problem
    ("网格员小李态度特别好 帮我们解决了漏水问题", "praise"),
    # consultation
    ("请问居住证在哪里办理？需要带什么材料", "consultation"),
    ("老年证去哪办？我妈今年刚满60", "consultation"),
    ("社保断缴了还能补吗", "consultation"),
    ("孩子明年上小学，要准备哪些材料？", "consultation"),
    ("想咨询一下低保申请条件", "consultation"),
    ("社区几点上班？周六开门吗", "consultation"),
    ("居委会周六几点下班", "consultation"),                 # 几点 asks the time
    ("社区每天几点开门？", "consultation"),                 # …even with 每天 in it
    # asking for information, not for action
    ("请告诉我老年证是在哪个窗口办的", "consultation"),
    ("听说明年物业费要涨，是真的吗", "consultation"),
    ("特此写信咨询孩子转学的手续", "consultation"),
    # negation and hedges
    ("不是投诉，就想问一下社保怎么补缴", "consultation"),
    ("我不是要举报谁，只想了解一下垃圾分类怎么分", "consultation"),
    # help
    ("求助！家里老人行动不便，想请人帮忙买药", "help"),
    ("麻烦帮帮我，钥匙锁家里了进不去，怎么办", "help"),
    # suggestion
    ("建议在学校门口加装红绿灯", "suggestion"),
    ("提个建议：小区能否增设几个充电桩", "suggestion"),
    ("希望社区增加一些健身器材", "suggestion"),
    ("能否把公交末班车推迟到十点", "suggestion"),
    ("是否能取消早高峰的货车通行", "suggestion"),
    # short questions for a phone number, an address, opening hours or a case's progress ask
    ("社保局电话多少", "consultation"),
    ("派出所地址在哪", "consultation"),
    ("车管所周六上班吗", "consultation"),
    ("我上个月申请的低保办到哪一步了", "consultation"),
    # …also when it names the report it asks about (反映, 投诉 are no new complaint here)
    ("我之前反映的噪音问题有结果了吗", "consultation"),
    ("上周投诉的占道经营有处理结果吗", "consultation"),
    ("我报的路灯修得怎么样了", "consultation"),
    ("上次说的楼道灯修好了没有", "consultation"),
    ("我反映的问题至今没有结果", "complaint"),      # a protest, not a question
    # asking where, how or through what a thing is done (2026-11-30, session 6)
    ("居住证到何处办理", "consultation"),
    ("单位养老保险怎么才能转到个人账户", "consultation"),
    ("供暖报停需要交什么手续", "consultation"),
    ("这个小区属于哪个派出所", "consultation"),
    ("网上在哪个网站能查到停水通知", "consultation"),
    # a message that ends by naming the reason or progress it wants asks (session 7)
    ("我家这片昨晚停水的原因", "consultation"),
    ("营业执照的办理进度", "consultation"),
    ("上周报修的路灯处理情况", "consultation"),
    # asking to be called back by or put through to an operator asks someone to act
    ("请让话务员给我回电", "help"),
    ("麻烦转接一下话务员", "help"),
    # saying something is done too fast or too loud reports it; so does a question whether
    # anyone will act
    ("外卖小哥电动车骑得太快", "complaint"),
    ("车开得太快了，小孩过马路很危险", "complaint"),
    ("楼下烧烤你们管不管", "complaint"),
    ("我要投诉物业不作为", "complaint"),
    ("你们能不能管管广场舞 声音太大", "complaint"),      # will anyone act: a complaint
    ("我家小孩发高烧39度 晚上去哪看病", "consultation"),  # where to see a doctor: a question
    ("燃气灶打不着火", "complaint"),                      # a thing at home that will not work
    # proposing to put something somewhere, asked as a question, is a suggestion
    ("能不能在垃圾房边加个洗手池", "suggestion"),
    # asking who approved what was done is a complaint, not a suggestion
    ("小区里的绿地改成停车位了，谁批准的？", "complaint"),
    # a message that names a problem always opens a ticket, however short
    ("下水道堵了", "complaint"),
    ("路灯不亮", "complaint"),
    ("你好，楼道灯坏了", "complaint"),
    # session 12: asking someone else, told as what happened, reports their answer; saying a
    # thing is unfair protests it; 谁 alone is no question (谁批准的, 谁来管 are rhetorical);
    # phone typing and northern speech still ask (合适能 for 何时能, 多钱 for 多少钱)
    ("咨询物业告知开发商还没有移交车库", "complaint"),
    ("去窗口问了工作人员说办不了 我觉得不合理", "complaint"),
    ("物业费一年涨了三次，我认为不合理", "complaint"),
    ("小区门口的垃圾到底谁来清理", "complaint"),
    ("水利三处合适能回迁", "consultation"),
    ("供暖报停后是多钱一平方啊", "consultation"),
    ("罚了那么多钱还不给收据", "complaint"),
    # praise
    ("谢谢网格员小王帮我们解决了停车问题👍", "praise"),
    ("表扬一下社区的李书记，办事真负责", "praise"),
    ("路灯修好了，感谢你们这么及时！", "praise"),
    # other
    ("你好", "other"),
    ("在吗", "other"),
    ("哈哈哈", "other"),
    ("谢谢", "other"),
    ("好的收到", "other"),
    ("", "other"),
    # a refusal or a failure named as the problem reports it; asking whether something may be
    # done still asks
    ("滴滴车叫不到的问题", "complaint"),
    ("派出所办身份证工作人员不受理的问题", "complaint"),
    ("能否收取茶位费的问题", "consultation"),
]


@pytest.mark.parametrize("text,kind", KINDS)
def test_kind(text, kind):
    assert nlp.classify(text).kind == kind


DOMAIN_CASES = [
    # Session 12: in a short message the word that names the topic decides; 小区 (a hint) names
    # the place, and its learned lean to 城乡建设's many categories no longer outvotes 监控
    ("小区监控坏了", "公共安全", "治安", "公安"),
    ("建议小区多装几个监控", "公共安全", "治安", "公安"),
    ("监控坏了", "公共安全", "治安", "公安"),          # was 其他: one weight-2 word decides
    # Session 9 (lead)
    ("我家楼上装修把我家墙弄裂了", "城乡建设", "房屋漏水", "住建"),   # housing, not noise
    ("小区的自来水发黄 还有异味", "城乡建设", "供水/供电/燃气", "水电气"),
    ("小区门口的路被挖开了一直没填", "城乡建设", "路灯/井盖/道路", "城管"),
    ("外卖小哥在小区里骑车太快 差点撞到老人", "交通运输", "交通秩序", "交警"),
    ("对面工地晚上十一点还在打桩", "环境保护", "噪音扰民", "城管"),  # night works: 城管
    # Session 8 (lead), tried as a resident would: topic words the lexicon lacked.
    ("楼上天天半夜拖椅子 咚咚响", "环境保护", "噪音扰民", "生态环境"),
    ("有人冒充社区工作人员上门收费", "公共安全", "治安", "公安"),
    ("小区门口有个大坑 昨天有个电动车摔了", "城乡建设", "路灯/井盖/道路", "城管"),
    ("门禁坏了", "城乡建设", "物业服务", "住建"),
    ("我要投诉网格员张伟 态度很差", "政务服务", "工作作风", "政务服务"),  # to the leader, not him
    ("小区里的违章搭建一直没人拆", "城乡建设", "违章搭建", "城管"),
    ("电梯坏了，老人上不了楼", "城乡建设", "电梯", "市场监管"),
    ("暖气不热，屋里才15度", "城乡建设", "供暖", "水电气"),
    # topic words added after reading teddy's misses (2026-11-30): a degree check is the
    # education bureau's, a karaoke bar's noise the environment's
    ("学历认证为什么要等一个多月", "教育文体", "学校教育", "教育"),
    ("楼下KTV每天唱到半夜", "环境保护", "噪音扰民", "生态环境"),
    ("又停水了，也没有提前通知", "城乡建设", "供水/供电/燃气", "水电气"),
    ("楼上卫生间漏水到我家天花板", "城乡建设", "房屋漏水", "住建"),
    ("对门被改成了群租房，住了十几个人", "城乡建设", "房产/住房保障", "住建"),
    ("单位分的公房能不能买下来", "城乡建设", "房产/住房保障", "住建"),
    # a property company that does nothing goes to the street office / community, as the 12345
    # hotline routes it (the learned route: 物业 weighs 6.7 for 街道/社区 in Haikou's orders)
    ("物业不管事，小区绿化全毁了", "城乡建设", "物业服务", "街道/社区"),
    ("楼下有人遛狗不拴绳", "城乡建设", "宠物", "城管"),
    ("工厂排放废气，味道刺鼻", "环境保护", "环境污染", "生态环境"),
    ("广场舞噪音太大，晚上十点还在跳", "环境保护", "噪音扰民", "生态环境"),
    ("小区门口乱停车堵住消防车道", "交通运输", "停车", "交警"),
    ("12路公交车老是不按点发车", "交通运输", "公共交通", "交通运输"),
    ("城际快铁什么时候通车", "交通运输", "公共交通", "交通运输"),
    ("今天PM2.5爆表了，哪里能查到数据", "环境保护", "环境污染", "生态环境"),
    ("学校门口的路口没有红绿灯，孩子过马路很危险", "交通运输", "交通秩序", "交警"),
    ("孩子入学需要什么材料", "教育文体", "入学", "教育"),
    ("培训班收了学费就跑路了，老师也找不到", "教育文体", "学校教育", "教育"),
    ("老板拖欠我们三个月工资", "劳动和社会保障", "工资拖欠", "人社"),
    ("医保卡丢了怎么补办", "劳动和社会保障", "社保医保", "人社"),
    ("新农合在外地住院能用吗", "劳动和社会保障", "社保医保", "人社"),
    ("社会保障卡丢了在哪补办", "劳动和社会保障", "社保医保", "人社"),
    ("社区医院看病排队太久，医生态度差", "卫生计生", "医疗", "卫健"),
    ("在小饭馆吃饭吃出了虫子，食品安全没人管", "卫生计生", "食品药品", "市场监管"),
    ("超市卖过期的东西还不给退货", "商贸旅游", "消费纠纷", "市场监管"),
    ("景区门票乱涨价，导游强制购物", "商贸旅游", "旅游", "文旅"),
    ("电动车在楼下被偷了", "公共安全", "治安", "公安"),
    ("楼道里有人飞线充电", "公共安全", "消防隐患", "应急管理/消防"),
    ("有人把电瓶车推到楼道里充电", "公共安全", "消防隐患", "应急管理/消防"),
    ("电动车在楼道充电，太危险了", "公共安全", "消防隐患", "应急管理/消防"),
    ("小区能不能装几个充电桩", "城乡建设", "物业服务", "住建"),          # charging posts are no parking
    ("下水道堵了，污水冒到路上", "城乡建设", "排水/下水道", "城管"),     # drainage, not 路灯/井盖/道路
    ("楼下排水管堵塞，一下雨就积水", "城乡建设", "排水/下水道", "城管"),
    ("家里困难，想申请低保", "民政服务", "低保救助", "民政"),
    ("我是残疾人，残疾证怎么办", "民政服务", "残疾人服务", "民政"),
    ("和邻居因为楼道堆东西吵架了，想找社区调解", "民政服务", "邻里纠纷", "街道/社区"),
    ("政务大厅窗口工作人员推诿，办个证明跑了五趟", "政务服务", "证件办理", "政务服务"),
    ("村里的宅基地审批一直批不下来", "农业农村", "农村事务", "农业农村"),
    ("孩子发烧了怎么办", "卫生计生", "医疗", "卫健"),                  # not 学校教育 for 孩子
    ("老人高血压去哪里开药", "卫生计生", "医疗", "卫健"),
    ("村里有人没有执照非法行医", "卫生计生", "医疗", "卫健"),            # not 治安 for 有人
    ("有没有人管管楼下的狗", "城乡建设", "宠物", "城管"),                # a one-character word last
    ("楼下的狗天天叫", "城乡建设", "宠物", "城管"),                      # 楼下, 天天 lean to noise
    # residents' words tried in session 6: decoration is noise (the hotline sends it to the
    # police, which must not make 装修 mean 治安), a load-bearing wall is the building's safety,
    # a property company that does nothing is a property matter, not officials' conduct, and a
    # barbecue downstairs is a street stall
    ("隔壁在装修 周末也不停", "环境保护", "噪音扰民", "生态环境"),
    ("邻居装修把承重墙砸了", "城乡建设", "房屋漏水", "住建"),
    ("外卖小哥电动车骑得太快", "交通运输", "交通秩序", "交警"),
    ("我要投诉物业不作为", "城乡建设", "物业服务", "街道/社区"),
    ("楼下烧烤你们管不管", "城乡建设", "占道经营", "城管"),
    # and by the lead, the same evening: what a resident smells, hears or cannot reach
    ("小区里有人养鸡 味道很大", "城乡建设", "宠物", "城管"),
    ("附近工地晚上12点还在施工", "环境保护", "噪音扰民", "城管"),  # building noise: 城管, as the hotline
    ("我家楼下有人每天晚上烧烤 烟都飘到我家了", "环境保护", "环境污染", "生态环境"),
    ("你们这个网格员根本不管事 打电话也不接", "政务服务", "工作作风", "政务服务"),
    ("家里跳闸了 全屋没电 冰箱里的药要坏了", "城乡建设", "供水/供电/燃气", "水电气"),
    ("我家门口被人泼了油漆 还写了欠债还钱", "公共安全", "治安", "公安"),
    ("楼上往下扔垃圾", "公共安全", "治安", "公安"),
    ("外卖电动车在小区里乱骑", "交通运输", "交通秩序", "交警"),
    ("隔壁空调外机滴水到我家窗台", "民政服务", "邻里纠纷", "街道/社区"),
    ("物业把电梯广告费私吞了", "城乡建设", "物业服务", "街道/社区"),
    ("下水道返味 有点臭", "城乡建设", "排水/下水道", "城管"),
    ("今天天气不错", "其他", "其他", "街道/社区"),
    # session 10: a fire lane taken over is the property's or a fire hazard, not a fee; rent is
    # housing (it was 其他, or 消费纠纷 by 押金)
    ("小区物业把消防通道改成收费停车位了", "城乡建设", "物业服务", "街道/社区"),
    ("小区消防通道被车堵死了", "公共安全", "消防隐患", "应急管理/消防"),
    ("房东突然涨房租", "城乡建设", "房产/住房保障", "住建"),
    # lead, session 10: what residents typed (违章搭建, 企业经营 and 其他 before)
    ("小区里有人发传单说养老投资 高回报 我爸已经交了2万", "公共安全", "治安", "公安"),
    ("楼道里有人放了好几桶汽油", "公共安全", "消防隐患", "应急管理/消防"),
    ("你们网格员电话打不通", "政务服务", "工作作风", "政务服务"),
    # session 13, words read from the hotline's confusions between departments (违章搭建, 停车,
    # 环境污染, 治安 and 其他 before)
    ("小区门口有黑车拉客", "交通运输", "公共交通", "交通运输"),
    ("门口的停车位被人私设地锁", "城乡建设", "占道经营", "城管"),
    ("楼下乱贴广告", "城乡建设", "垃圾清运", "城管"),
    ("户政处几点上班", "公共安全", "户籍证件", "公安"),
    ("在4S店买的车发动机有问题，店里不给修", "商贸旅游", "消费纠纷", "市场监管"),
]


@pytest.mark.parametrize("text,domain,category,department", DOMAIN_CASES)
def test_domain_category_department(text, domain, category, department):
    result = nlp.classify(text)
    assert (result.domain, result.category, result.department) == (domain, category, department)


def test_every_domain_is_covered_by_the_table():
    assert {case[1] for case in DOMAIN_CASES} == set(DOMAINS)


EMERGENCIES = [
    "楼道着火了！！",
    "快来人，三单元起火了",
    "樓道著火了快來人",            # traditional characters
    "厨房好像有煤气味，好浓",
    "燃气泄漏了怎么办",
    "家裡瓦斯外洩",                 # traditional, Taiwan word for gas
    "我爸在楼下晕倒了，叫不醒",
    "有个老人摔倒了起不来",
    "有人昏迷不醒",
    "外面有人拿刀砍人",
    "楼下两伙人在打架，还有人动刀",
    "有个小孩掉河里了",
    "有人溺水了快救人",
    "孩子走丢了，穿红衣服，5岁",
    "我儿子放学后不见了，到处找不到",
    "小区围墙倒塌了，压着人了",
    "工地塌方了",
    "有人触电了",
    "救命啊！！",
    "快救命😭😭楼上冒烟了",
    "着火啦🔥🔥🔥",
    "隔壁家暴，女的一直在喊救命",
    "被困在电梯里了",               # people trapped are a 119 emergency (issue #11), not merely urgent
]


@pytest.mark.parametrize("text", EMERGENCIES)
def test_emergencies_are_never_missed(text):
    result = nlp.classify(text)
    assert result.urgency == "emergency", result.keywords["urgency"]
    assert result.kind != "other"  # an emergency always opens a ticket
    assert result.faq is None


URGENCY = [
    ("我一个人在家 有人一直敲门 说是查水表的", "urgent"),  # alone, a stranger who will not go
    ("我一个人在家 快递在门口", "normal"),
    ("楼下停了辆车 堵住消防通道了", "urgent"),  # a fire engine could not get in tonight
    ("去年消防通道被堵过", "normal"),
    ("楼道堆放杂物，有火灾隐患", "urgent"),
    ("电线裸露在外面，很危险", "urgent"),
    ("紧急！水管爆了，家里到处是水", "urgent"),
    ("电动车在楼道里充电 已经充了一晚上了 电池鼓起来了", "urgent"),  # the step before a fire
    ("楼道里有人放了好几桶汽油", "urgent"),
    ("楼上一直在漏水 水都流到我家客厅了 物业电话打不通", "urgent"),  # at night: not the morning's
    ("小区门口的下水道井盖被偷了 大坑 晚上看不见", "urgent"),
    ("楼上漏水 天花板有水印", "normal"),
    ("小区门口路灯坏了", "normal"),
    ("请问社保怎么交", "normal"),
    ("消防演练什么时候开始", "normal"),
    # a state told as history is no hurry; the same state going on (or back again) is
    ("去年井盖丢了", "normal"),
    ("上个月楼道灯坏过", "normal"),
    ("前年冬天小区停电过一次", "normal"),
    ("上周水管爆了 已经修好了", "normal"),
    ("井盖丢了 晚上看不见", "urgent"),
    ("去年井盖丢了 现在又丢了", "urgent"),
    ("前几天井盖丢了 到现在还没修", "urgent"),
    ("水管爆了 修好了吗", "urgent"),
    ("水管爆了 还没修好", "urgent"),
    # no heat, water or power at home with an elder, an infant or a sick person there
    ("暖气突然不热了 家里有老人", "urgent"),
    ("暖气片冰凉 宝宝刚出生一个月", "urgent"),
    ("家里没电了 老人卧床在家", "urgent"),
    ("家里没水了 有个病人", "urgent"),
    ("暖气不热了", "normal"),
    ("暖气不热 不过家里没有老人", "normal"),
    ("去年冬天暖气不热 老人冻病了", "normal"),
]


@pytest.mark.parametrize("text,urgency", URGENCY)
def test_urgency(text, urgency):
    if urgency == "normal":
        assert nlp.classify(text).urgency == "normal"
    else:
        assert nlp.classify(text).urgency == urgency


def test_hazard_words_do_not_raise_an_emergency():
    result = nlp.classify("楼道堆放杂物有火灾隐患，万一着火就麻烦了")
    assert result.urgency == "urgent"


def test_mixed_message_complaint_with_question_and_thanks():
    result = nlp.classify("你好，楼下饭店的油烟太大了，已经反映过很多次都没人管，到底谁来管？谢谢")
    assert result.kind == "complaint"
    assert result.domain == "环境保护"


def test_mixed_message_praise_then_new_problem_is_a_complaint():
    result = nlp.classify("上次的事谢谢你们了，不过现在楼上又开始漏水了，物业还是不管")
    assert result.kind == "complaint"
    assert result.category == "房屋漏水"


def test_a_letter_written_for_a_group_leans_to_a_report_once():
    from nlp.kind import score_kinds
    from nlp.lexicon import lexicons
    lex = lexicons()
    plain = "小区东门外那段路今年一直没有铺好，下雨天全是泥，什么时候能铺上？"
    group = "我们小区东门外那段路今年一直没有铺好，下雨天全是泥，老百姓和业主们都在问什么时候能铺上？"
    before, _ = score_kinds(plain, lex, None)
    after, words = score_kinds(group, lex, None)
    extra_length = min(max(len(group) - 60, 0) / 40, 3) - min(max(len(plain) - 60, 0) / 40, 3)
    assert after["complaint"] - before["complaint"] == pytest.approx(1.0 + extra_length)
    assert "我们" in words["complaint"]
    chat, _ = score_kinds("我们好", lex, None)  # a chat line is not a letter
    assert chat["complaint"] == 0


@pytest.mark.parametrize("text", ["网格员小李人特别好 帮我家老人办了证", "昨天路灯修好了 效率很高",
                                  "物业的师傅手脚麻利 一会就修好了", "刘洋同志工作很认真 每次都很快回复",
                                  "我家的事情网格员帮了大忙"])
def test_praise_told_as_what_someone_is_like_opens_no_work(text):
    """No 谢谢 or 表扬, and still praise: a help or complaint ticket would ring a worker for it."""
    assert nlp.classify(text).kind == "praise"


@pytest.mark.parametrize("text", ["网格员工作很不认真", "效率太低了 三个月了还没修", "师傅人很好吗？怎么不来"])
def test_praise_words_turned_or_asked_are_no_praise(text):
    assert nlp.classify(text).kind != "praise"


@pytest.mark.parametrize("text", ["我家下水道堵了 马桶反水", "有个人在路边洗车",
                                  "一楼住户把绿地圈成自己院子了", "我家网络又断了"])
def test_a_problem_told_without_a_question_is_no_consultation(text):
    """No interrogative, no 问/咨询/办理: a learned lean (我家, 一直) alone asks nothing."""
    assert nlp.classify(text).kind != "consultation"


@pytest.mark.parametrize("text", ["公交2路多长时间一趟", "我家孩子今年上小学 在哪报名", "我想问个事儿"])
def test_a_question_is_still_a_consultation(text):
    assert nlp.classify(text).kind == "consultation"


@pytest.mark.parametrize("text", ["小区门口有人打架 好多人", "楼下几个人在打人"])
def test_a_fight_going_on_calls_the_police(text):
    result = nlp.classify(text)
    assert result.urgency == "emergency" and result.emergency["call"] == "110"


@pytest.mark.parametrize("text", ["小区经常有人打架 希望加强巡逻", "楼下有人打架子鼓 吵死了",
                                  "孩子们在楼下打架闹着玩", "上周楼下有人打架"])
def test_a_fight_told_as_habit_past_play_or_a_drum_is_no_emergency(text):
    assert nlp.classify(text).urgency != "emergency"


def test_negated_praise_reads_as_complaint():
    result = nlp.classify("处理得一点都不及时，也不负责")
    assert result.kind == "complaint"


@pytest.mark.parametrize("text,category", [
    ("楼下的树太高了 挡住了我家阳光 能不能修剪一下", "物业服务"),  # was 违章搭建 (城管)
    ("楼道扶手松了 老人上下楼不安全", "物业服务"),  # was 其他
    ("小区里的老鼠太多了", "疫情防控"),  # rats and roaches are 卫健's (爱国卫生), was 违章搭建
    ("蟑螂到处都是 能不能统一消杀", "疫情防控"),
    ("电梯年检过期了 还在用", "电梯"),  # 年检 is a car's too: was 交通秩序
    ("楼下小卖部卖烟给未成年人", "企业经营"),  # was `other`: no ticket at all
    ("我想当志愿者 怎么报名", "邻里纠纷"),  # the community's, was 入学
])
def test_everyday_grid_matters_reach_their_department(text, category):
    assert nlp.classify(text).category == category


def test_typos_and_variants():
    assert nlp.classify("楼下拉圾没人清").category == "垃圾清运"
    assert nlp.classify("晚上燥音太大睡不着").category == "噪音扰民"
    assert nlp.classify("小区红路灯坏了").category == "交通秩序"


def test_emoji_and_full_width_input():
    result = nlp.classify("１３８１２３４５６７８ 楼上漏水了😡😡")
    assert result.entities["phones"] == ["13812345678"]
    assert result.category == "房屋漏水"


def test_traditional_characters_are_classified_like_simplified():
    traditional = nlp.classify("請問居住證在哪裡辦理？")
    simplified = nlp.classify("请问居住证在哪里办理？")
    assert traditional.as_dict() == simplified.as_dict()


@pytest.mark.parametrize("text", ["", "   ", "\n\n", None, "。。。", "🙂"])
def test_empty_and_blank_input(text):
    result = nlp.classify(text)
    assert result.kind == "other"
    assert result.domain == "其他"
    assert result.urgency == "normal"
    assert result.entities == {"phones": [], "addresses": [], "times": []}
    assert result.faq is None


def test_five_thousand_characters():
    text = ("幸福小区3栋楼下的烧烤店每天晚上油烟和噪音扰民，" * 250)[:5000]
    assert len(text) == 5000
    result = nlp.classify(text)
    assert result.kind == "complaint"
    assert result.domain == "环境保护"
    assert "幸福小区3栋" in result.entities["addresses"]


def test_emergency_at_the_end_of_a_long_message_is_found():
    text = "我们小区的物业一直不作为，" * 300 + "现在楼道着火了！"
    assert nlp.classify(text).urgency == "emergency"


def test_entities():
    result = nlp.classify("我住在幸福小区3栋2单元501室，电话13812345678，昨天晚上10点开始漏水")
    assert result.entities == {"phones": ["13812345678"],
                               "addresses": ["幸福小区3栋2单元501室"],
                               "times": ["昨天晚上10点"]}
    result = nlp.classify("人民路12号门口井盖丢了三天了，座机0454-8888888")
    assert result.entities["addresses"] == ["人民路12号"]
    assert result.entities["phones"] == ["0454-8888888"]
    assert "三天了" in result.entities["times"]


def test_entities_read_late_are_the_ones_the_message_holds():
    """Entities are worked out when first read: a ticket opened later, a copy, a pickled result
    or two threads reading at once all get the resident's own phone number and address."""
    import copy
    import pickle
    import threading

    text = "人民路12号门口井盖丢了，电话13812345678"
    want = {"phones": ["13812345678"], "addresses": ["人民路12号"], "times": []}
    assert nlp.classify(text).as_dict()["entities"] == want
    assert pickle.loads(pickle.dumps(nlp.classify(text))).entities == want
    assert copy.deepcopy(nlp.classify(text)).entities == want
    assert dataclasses.replace(nlp.classify(text), kind="help").entities == want
    assert nlp.classify(text) == nlp.classify(text)
    shared, seen = nlp.classify(text), []
    readers = [threading.Thread(target=lambda: seen.append(shared.entities)) for _ in range(4)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert seen == [want] * 4 and shared.entities == want
    with pytest.raises(AttributeError):
        nlp.classify(text).no_such_field


FAQS = [
    ("请问居住证在哪里办理？需要带什么材料", "residence_permit"),
    ("社保怎么交？", "social_insurance"),
    ("医保异地就医怎么备案", "medical_insurance"),
    ("低保申请需要什么条件？", "minimum_living"),
    ("老年证去哪办？", "senior_card"),
    ("残疾证怎么办理", "disability_card"),
    ("孩子入学需要什么材料", "school_enrollment"),
    ("社区周末上班吗？", "office_hours"),
    ("请问这个周末社区有没有疫苗接种", "vaccination"),   # the service named, not the office hours
    ("孩子上学需要父母交社保吗", "school_enrollment"),    # the service named first decides
    ("我家老人80岁了 能领高龄补贴吗", "senior_card"),      # 能领: asked as residents ask
    ("我想当志愿者 怎么报名", "volunteering"),            # 报名 alone is not school
    ("周末社区有什么活动", "community_events"),            # not the office hours
    ("孩子小学报名需要什么材料", "school_enrollment"),
    ("怎么开居住证明", "residence_proof"),                  # 居住证明 is no 居住证
    ("怎么开无犯罪记录证明", "no_criminal_record"),
    ("失业金怎么领", "unemployment_benefit"),
    ("我想办个独生子女证", "only_child"),
    ("社区有没有免费体检", "free_checkup"),
    ("哪里可以办健康证", "health_certificate"),
]


@pytest.mark.parametrize("text,faq_id", FAQS)
def test_faq_matches(text, faq_id):
    faq = nlp.classify(text).faq
    assert faq is not None and faq["id"] == faq_id
    assert set(faq) == {"id", "question", "answer", "score"}
    assert 0 < faq["score"] <= 1
    assert faq["answer"].startswith("您好") and "为准" in faq["answer"]


@pytest.mark.parametrize("text", [
    "社保局工作人员态度太差了，投诉！",   # a complaint naming an FAQ topic
    "居住证",                             # a topic word alone is no question
    "楼下着火了，社保卡还在屋里怎么办",     # an emergency is never answered by the FAQ
])
def test_no_faq_for_complaints_bare_topics_and_emergencies(text):
    assert nlp.classify(text).faq is None


def test_contract_fields_order_and_types():
    result = nlp.classify("请问居住证在哪里办理？电话13812345678")
    assert dataclasses.is_dataclass(result)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.kind = "praise"
    data = result.as_dict()
    assert list(data) == FIELDS
    assert data["kind"] in ("complaint", "consultation", "help", "suggestion", "praise", "other")
    assert data["domain"] in DOMAINS
    assert data["urgency"] in ("normal", "urgent", "emergency")
    for key in ("kind", "category", "urgency"):
        assert 0.0 <= data["confidence"][key] <= 1.0
        assert isinstance(data["keywords"][key], list)
    assert set(data["entities"]) == {"phones", "addresses", "times"}


def test_keywords_explain_the_decision():
    text = "楼上漏水，物业不管"
    result = nlp.classify(text)
    assert result.keywords["category"] and all(w in text for w in result.keywords["category"])
    assert "不管" in result.keywords["kind"]


@pytest.mark.parametrize("text, cue", [
    ("户口本上名字写错了，怎么更正", "怎么更正"),
    ("手机号换了，社保卡预留的号码如何变更", "如何变更"),
    ("老人去世了，养老保险怎么注销", "怎么注销"),
    ("医保断了两个月，怎么补缴", "怎么补缴"),
])
def test_asking_how_to_correct_change_or_cancel_a_record_names_the_procedure(text, cue):
    result = nlp.classify(text)
    assert result.kind == "consultation"
    assert cue in result.keywords["kind"]   # the agent sees which procedure is asked about


def test_as_dict_is_a_copy():
    result = nlp.classify("楼上漏水")
    result.as_dict()["keywords"]["category"].append("x")
    assert "x" not in result.keywords["category"]
