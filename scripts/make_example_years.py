"""Write the example cluster's year folders (inputs/qinglan-agrimachinery/2024/ and 2025/) from its application data.

Fictional, like the application: the figures grow from the 2023 application's, each year's
工作总结 says what its figures say. Run once; the written files are the committed source after that
(``python scripts/make_example_years.py`` rewrites them)."""

from __future__ import annotations

import copy
import datetime as dt
import shutil
import sys
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ROOT = Path(__file__).resolve().parent.parent
CLUSTER = ROOT / "inputs" / "qinglan-agrimachinery"

RECOGNITION = {
    "year": 2021,
    "document_number": "鲁工信示例〔2021〕12号",
    "list_title": "关于公布2021年山东省特色产业集群名单的通知（示例，非真实文件）",
    "date": dt.date(2021, 12, 20),
}

HISTORY = [
    {"year": 2021, "enterprises": 232, "above_scale_enterprises": 62, "revenue": "152.30亿元",
     "leading_industry_revenue": "118.60亿元", "tax": "6.45亿元", "rd_expense": "4.31亿元", "employees": 29800},
    {"year": 2022, "enterprises": 251, "above_scale_enterprises": 66, "revenue": "168.92亿元",
     "leading_industry_revenue": "133.45亿元", "tax": "7.12亿元", "rd_expense": "5.02亿元", "employees": 31200},
    {"year": 2023, "enterprises": 268, "above_scale_enterprises": 71, "revenue": "186.45亿元",
     "leading_industry_revenue": "148.72亿元", "tax": "7.94亿元", "rd_expense": "5.86亿元", "employees": 32600},
]  # fmt: skip

YEARS = {
    2024: {
        "indicators": {"enterprises": 286, "above_scale_enterprises": 76, "revenue": "204.18亿元",
                       "leading_industry_revenue": "163.90亿元", "profit": "12.47亿元", "tax": "8.62亿元",
                       "export": "30.15亿元", "rd_expense": "6.74亿元", "employees": 34100,
                       "high_tech_enterprises": 41, "specialised_smes": 17, "little_giants": 2, "gazelles": 6,
                       "champions": 1, "one_firm_one_tech": 7},
        "revenues": [452300, 262100, 173600, 108500, 85200, 13900],
        "annual": {"local_supply_rate": 65, "alliance_members": 104, "cloud_rate": 88, "connected_devices": 13600,
                   "smart_factories": 10, "quality_certified": 58, "standards": 12},
        "platforms": [{"name": "山东省智能农机装备创新中心", "category": "创新中心", "level": "省级",
                       "owner": "山东青岚农业装备集团有限公司", "approved_by": "山东省工业和信息化厅", "year": 2024}],
        "brands": [],
        "media": [{"outlet": "大众日报", "level": "省级", "title": "青岚智能农机：本地配套率提升到65%",
                   "date": dt.date(2024, 11, 6)}],
        "summary_date": dt.date(2025, 1, 20),
        "declaration": dt.date(2025, 1, 20),
    },
    2025: {
        "indicators": {"enterprises": 305, "above_scale_enterprises": 83, "revenue": "226.37亿元",
                       "leading_industry_revenue": "182.65亿元", "profit": "13.92亿元", "tax": "9.41亿元",
                       "export": "33.80亿元", "rd_expense": "7.70亿元", "employees": 35800,
                       "high_tech_enterprises": 46, "specialised_smes": 21, "little_giants": 3, "gazelles": 7,
                       "champions": 2, "one_firm_one_tech": 8},
        "revenues": [498700, 289400, 191200, 121800, 92600, 15400],
        "annual": {"local_supply_rate": 68, "alliance_members": 112, "cloud_rate": 91, "connected_devices": 15800,
                   "smart_factories": 13, "quality_certified": 63, "standards": 15},
        "platforms": [{"name": "青岚农机装备中试基地", "category": "公共服务平台", "level": "省级",
                       "owner": "青岚智慧农业装备研究院有限公司", "approved_by": "山东省工业和信息化厅", "year": 2025}],
        "brands": [{"name": "北辰牌液压油缸", "category": "优质品牌", "level": "省级", "holder": "青岚北辰液压科技有限公司",
                    "issuer": "山东省质量强省及品牌战略推进工作领导小组办公室", "year": 2025}],
        "media": [{"outlet": "经济日报", "level": "国家级", "title": "青岚：智能农机集群向高端化智能化迈进",
                   "date": dt.date(2025, 9, 16)}],
        "summary_date": dt.date(2026, 1, 22),
        "declaration": dt.date(2026, 6, 10),
    },
}  # fmt: skip


def summary_sections(year: int, y: dict) -> list[dict]:
    """The 工作总结's text, by the themes of 第十一条, saying what the year's figures say."""
    i, a = y["indicators"], y["annual"]
    return [
        {"heading": "一、总体情况", "paragraphs": [
            f"{year}年，集群坚持以智能农机装备为主导产业，全年实现营业收入{i['revenue']}，其中主导产业营业收入"
            f"{i['leading_industry_revenue']}；实现利润{i['profit']}，缴纳税收{i['tax']}；集聚相关生产、服务企业"
            f"{i['enterprises']}户，其中规模以上企业{i['above_scale_enterprises']}户，从业人员{i['employees']}人。"]},
        {"heading": "二、平台建设", "paragraphs": [
            f"集群新增{y['platforms'][0]['name']}，创新研发和公共服务平台持续完善，为企业提供研发设计、检验检测、"
            "中试验证和人才培训服务。"]},
        {"heading": "三、龙头企业培育", "paragraphs": [
            f"龙头骨干企业规模持续扩大，制造业单项冠军企业达到{i['champions']}家，龙头企业带动中小企业融入产业链配套体系。"]},
        {"heading": "四、产业链配套", "paragraphs": [
            f"围绕整机需求补链强链，零部件本地配套率达到{a['local_supply_rate']}%，农机产业联盟成员企业达到"
            f"{a['alliance_members']}家。"]},
        {"heading": "五、技术创新", "paragraphs": [
            f"研发经费投入{i['rd_expense']}，高新技术企业达到{i['high_tech_enterprises']}家，“专精特新”中小企业"
            f"{i['specialised_smes']}家，“一企一技术”研发中心{i['one_firm_one_tech']}家。"]},
        {"heading": "六、智慧应用和智能化", "paragraphs": [
            f"规模以上企业上云率达到{a['cloud_rate']}%，工业互联网平台接入设备{a['connected_devices']}台套，"
            f"建成智能工厂和数字化车间{a['smart_factories']}家。"]},
        {"heading": "七、管理质量和品牌建设", "paragraphs": [
            f"通过质量管理体系认证的规模以上企业{a['quality_certified']}家，主导或参与制定标准{a['standards']}项；"
            "区域品牌和企业品牌影响力进一步提升，集群发展受到省级以上媒体宣传报道。"]},
        {"heading": "八、存在问题和下一步工作", "paragraphs": [
            "电控系统等核心部件本地配套仍有短板，中小企业数字化水平参差不齐。下一步，集群将继续做强龙头企业、"
            "提升配套能力、深化数字赋能，自觉接受社会监督。"]},
    ]  # fmt: skip


def year_data(base: dict, year: int, y: dict) -> dict:
    data = copy.deepcopy(base)
    data["programme"] = ["tese-annual", "tese-review"] if year == max(YEARS) else ["tese-annual"]
    data["indicators"] = {
        "year": year,
        **y["indicators"],
        "leading_industry_rank": base["indicators"]["leading_industry_rank"],
    }
    for e, revenue in zip(data["enterprises"], y["revenues"], strict=True):
        e["revenue"] = f"{revenue}万元"
    for later in (z for z in sorted(YEARS) if z <= year):
        data["platforms"] += YEARS[later]["platforms"]
        data["brands"] += YEARS[later]["brands"]
        data["media"] += YEARS[later]["media"]
    data["declaration"] = {"date": y["declaration"]}
    data["recognition"] = RECOGNITION
    data["annual"] = y["annual"]
    data["work_summary"] = {"date": y["summary_date"], "sections": summary_sections(year, y)}
    data["history"] = HISTORY
    i = y["indicators"]
    data["profile"]["sections"][1]["paragraphs"] = [
        f"{year}年，集群内集聚相关生产、服务企业{i['enterprises']}户，其中规模以上企业{i['above_scale_enterprises']}户，"
        f"从业人员{i['employees']}人。全年实现营业收入{i['revenue']}，其中主导产业智能农机装备实现营业收入"
        f"{i['leading_industry_revenue']}；实现利润{i['profit']}，缴纳税收{i['tax']}，实现出口{i['export']}。",
        f"{RECOGNITION['year']}年认定为山东省特色产业集群以来，集群保持稳定较快增长，营业收入由2021年的152.30亿元增至"
        f"{year}年的{i['revenue']}，主导产业营业收入在全省同类产业集群中居第2位。",
    ]
    for t in data["plan"]["targets"][:3]:
        t["current"] = {"营业收入": i["revenue"].removesuffix("亿元"), "相关生产、服务企业": str(i["enterprises"])}.get(
            t["indicator"], str(i["above_scale_enterprises"])
        )
    # the proof goes with the year a packet of proof is built from: the 复核's (the latest year)
    data["attachments"] = [a for a in base["attachments"] if not a.get("sensitive")] if year == max(YEARS) else []
    return data


# A second recognised cluster of 潍坊市, so that the city's yearly report has clusters to compare.
SECOND = "lanhe-foodmachinery"
SECOND_FIRMS = [  # (name, role, products, revenue 2024 万元, revenue 2025 万元, org code's first 8)
    ("山东岚河食品装备集团有限公司", "龙头企业", "中央厨房成套装备、食品杀菌设备", 236500, 258900, "7312A468"),
    ("岚河益康包装机械股份有限公司", "龙头企业", "无菌灌装机、智能包装线", 148200, 161700, "MA4B7C21"),
    ("岚河鼎盛不锈钢制品有限公司", "骨干企业", "食品级不锈钢罐体、管件", 67300, 72800, "68245D13"),
]
SECOND_YEARS = {
    2024: {"indicators": {"enterprises": 176, "above_scale_enterprises": 48, "revenue": "128.40亿元",
                          "leading_industry_revenue": "97.60亿元", "profit": "8.12亿元", "tax": "5.06亿元",
                          "export": "12.40亿元", "rd_expense": "3.71亿元", "employees": 21400,
                          "high_tech_enterprises": 26, "specialised_smes": 11, "little_giants": 1, "gazelles": 3,
                          "champions": 1, "one_firm_one_tech": 4},
           "annual": {"local_supply_rate": 54, "alliance_members": 62, "cloud_rate": 79, "connected_devices": 6200,
                      "smart_factories": 6, "quality_certified": 39, "standards": 7},
           "platforms": 4, "summary_date": dt.date(2025, 1, 24), "declaration": dt.date(2025, 1, 24)},
    2025: {"indicators": {"enterprises": 188, "above_scale_enterprises": 52, "revenue": "139.75亿元",
                          "leading_industry_revenue": "107.30亿元", "profit": "8.86亿元", "tax": "5.48亿元",
                          "export": "14.10亿元", "rd_expense": "4.19亿元", "employees": 22300,
                          "high_tech_enterprises": 29, "specialised_smes": 13, "little_giants": 1, "gazelles": 4,
                          "champions": 1, "one_firm_one_tech": 5},
           "annual": {"local_supply_rate": 57, "alliance_members": 68, "cloud_rate": 83, "connected_devices": 7100,
                      "smart_factories": 8, "quality_certified": 42, "standards": 9},
           "platforms": 5, "summary_date": dt.date(2026, 1, 23), "declaration": dt.date(2026, 1, 23)},
}  # fmt: skip
SECOND_PLATFORMS = [
    ("山东省食品装备工程技术研究中心", "工程技术研究中心", "省级", 0, 2021),
    ("岚河食品装备检验检测公共服务平台", "检验检测平台", "省级", 0, 2022),
    ("岚河县食品机械“一企一技术”研发中心", "研发中心", "省级", 1, 2023),
    ("岚河食品装备工业互联网平台", "工业互联网平台", "市级", 1, 2024),
    ("岚河中央厨房装备中试基地", "公共服务平台", "省级", 0, 2025),
]


def second_year(year: int, y: dict) -> dict:
    """The second cluster's year: short texts, its own firms, codes made with valid check characters."""
    from pipeline.core.codes import make_uscc

    firms = [
        {"name": n, "credit_code": make_uscc("91", "370791", org), "role": role, "products": prod,
         "revenue": f"{r24 if year == 2024 else r25}万元", "titles": []}
        for n, role, prod, r24, r25, org in SECOND_FIRMS
    ]  # fmt: skip
    platforms = [
        {
            "name": n,
            "category": c,
            "level": lv,
            "owner": SECOND_FIRMS[o][0],
            "approved_by": "山东省工业和信息化厅",
            "year": yr,
        }
        for n, c, lv, o, yr in SECOND_PLATFORMS[: y["platforms"]]
    ]
    i = y["indicators"]
    text = lambda h, t: {"heading": h, "paragraphs": [t]}  # noqa: E731
    return {
        "programme": ["tese-annual"],
        "cluster": {"name": "岚河县食品机械特色产业集群", "city": "370700", "county": "岚河县",
                    "carrier": "岚河高新技术产业开发区", "leading_industry": "食品机械", "area_km2": 32.5,
                    "main_products": "中央厨房成套装备、食品杀菌设备、无菌灌装和智能包装机械"},
        "applicant": {"name": "岚河高新技术产业开发区管理委员会", "credit_code": make_uscc("11", "370791", "MB1L5R2"[:7] + "8"),
                      "address": "山东省潍坊市岚河县高新大道66号", "postcode": "262600", "legal_representative": "陈立新",
                      "contact": "赵敏", "contact_title": "经济发展局科长", "phone": "0536-7935208", "mobile": "13906368842",
                      "email": "jiqun@lanhe-gxq.example.com"},
        "indicators": {"year": year, **i, "leading_industry_rank": "主导产业营业收入居全省同类产业集群第3位"},
        "enterprises": firms,
        "brands": [{"name": "“岚河”牌杀菌设备", "category": "名牌产品", "level": "省级", "holder": SECOND_FIRMS[0][0],
                    "issuer": "山东省质量强省及品牌战略推进工作领导小组办公室", "year": 2021}],
        "media": [{"outlet": "大众日报", "level": "省级", "title": "岚河：食品机械集群助力预制菜产业", "date": dt.date(year, 8, 12)}],
        "platforms": platforms,
        "informatisation": {"summary": "集群推进企业上云和设备联网。", "computing": "龙头企业建有私有云平台。",
                            "storage": "工业互联网平台提供数据存储服务。", "data_use": "平台汇聚设备运行数据，开展远程运维。"},
        "declaration": {"date": y["declaration"]},
        "profile": {"sections": [text("一、集群基本情况", f"{year}年，集群实现营业收入{i['revenue']}，集聚企业{i['enterprises']}户。")]},
        "plan": {"title": "岚河县食品机械特色产业集群发展规划（2025—2029年）", "target_year": 2029,
                 "targets": [{"indicator": "营业收入", "unit": "亿元", "current": i["revenue"].removesuffix("亿元"), "target": "200"}],
                 "sections": [text("一、发展目标", "到2029年，集群营业收入达到200亿元。")]},
        "recognition": {"year": 2022, "document_number": "鲁工信示例〔2022〕15号",
                        "list_title": "关于公布2022年山东省特色产业集群名单的通知（示例，非真实文件）", "date": dt.date(2022, 12, 26)},
        "annual": y["annual"],
        "work_summary": {"date": y["summary_date"], "sections": summary_sections(year, {**y, "platforms": platforms[-1:]})},
        "history": [
            {"year": 2021, "enterprises": 151, "above_scale_enterprises": 39, "revenue": "98.60亿元"},
            {"year": 2022, "enterprises": 160, "above_scale_enterprises": 42, "revenue": "107.35亿元"},
            {"year": 2023, "enterprises": 168, "above_scale_enterprises": 45, "revenue": "117.92亿元"},
        ],
        "attachments": [],
    }  # fmt: skip


def write_second() -> None:
    for year, y in SECOND_YEARS.items():
        folder = ROOT / "inputs" / SECOND / str(year)
        (folder / "attachments").mkdir(parents=True, exist_ok=True)
        (folder / "attachments" / ".gitkeep").touch()
        head = f"# 示例集群（虚构）{year}年数据：岚河县、开发区、企业、认定文号和数字均为虚构。由 scripts/make_example_years.py 生成。\n"
        text = yaml.safe_dump(second_year(year, y), allow_unicode=True, sort_keys=False, width=1000)
        (folder / "cluster.yaml").write_text(head + text, encoding="utf-8")
        print(f"wrote {folder / 'cluster.yaml'}")


def main() -> None:
    base = yaml.safe_load((CLUSTER / "cluster.yaml").read_text(encoding="utf-8"))
    for year, y in YEARS.items():
        folder = CLUSTER / str(year)
        data = year_data(base, year, y)
        (folder / "attachments").mkdir(parents=True, exist_ok=True)
        (folder / "attachments" / ".gitkeep").touch()
        for a in data["attachments"]:
            shutil.copyfile(CLUSTER / "attachments" / a["file"], folder / "attachments" / a["file"])
        head = (
            f"# 示例集群（虚构）{year}年数据：认定文号、名单和全部数字均为虚构。由 scripts/make_example_years.py 生成。\n"
            f"# Example cluster (fictional), its {year} data as a recognised cluster.\n"
        )
        text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1000)
        (folder / "cluster.yaml").write_text(head + text, encoding="utf-8")
        print(f"wrote {folder / 'cluster.yaml'}")
    write_second()


if __name__ == "__main__":
    main()
