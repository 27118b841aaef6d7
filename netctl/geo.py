"""GB/T 2260 administrative divisions of the Ningxia Hui Autonomous Region.

The codes are national reference data, not operator data, so they live in the package. The
inventory refers to counties by code; a code that is not here is an error.

Examples:
    >>> COUNTIES["640104"].name
    '兴庆区'
    >>> COUNTIES["640522"].city_code
    '640500'
    >>> CITIES["640100"].name
    '银川市'
"""

from __future__ import annotations

from dataclasses import dataclass

REGION_CODE = "640000"
REGION_NAME = "宁夏回族自治区"


@dataclass(frozen=True, slots=True)
class Division:
    """One GB/T 2260 division: a city (地级市) or a county-level division (县/区/县级市)."""

    code: str
    name: str
    name_en: str
    city_code: str


_CITIES: tuple[tuple[str, str, str], ...] = (
    ("640100", "银川市", "Yinchuan"),
    ("640200", "石嘴山市", "Shizuishan"),
    ("640300", "吴忠市", "Wuzhong"),
    ("640400", "固原市", "Guyuan"),
    ("640500", "中卫市", "Zhongwei"),
)

_COUNTIES: tuple[tuple[str, str, str], ...] = (
    ("640104", "兴庆区", "Xingqing"),
    ("640105", "西夏区", "Xixia"),
    ("640106", "金凤区", "Jinfeng"),
    ("640121", "永宁县", "Yongning"),
    ("640122", "贺兰县", "Helan"),
    ("640181", "灵武市", "Lingwu"),
    ("640202", "大武口区", "Dawukou"),
    ("640205", "惠农区", "Huinong"),
    ("640221", "平罗县", "Pingluo"),
    ("640302", "利通区", "Litong"),
    ("640303", "红寺堡区", "Hongsibu"),
    ("640323", "盐池县", "Yanchi"),
    ("640324", "同心县", "Tongxin"),
    ("640381", "青铜峡市", "Qingtongxia"),
    ("640402", "原州区", "Yuanzhou"),
    ("640422", "西吉县", "Xiji"),
    ("640423", "隆德县", "Longde"),
    ("640424", "泾源县", "Jingyuan"),
    ("640425", "彭阳县", "Pengyang"),
    ("640502", "沙坡头区", "Shapotou"),
    ("640521", "中宁县", "Zhongning"),
    ("640522", "海原县", "Haiyuan"),
)

CITIES: dict[str, Division] = {code: Division(code, name, en, code) for code, name, en in _CITIES}
COUNTIES: dict[str, Division] = {
    code: Division(code, name, en, code[:4] + "00") for code, name, en in _COUNTIES
}


def city_of(county_code: str) -> Division:
    """Return the city a county belongs to.

    Examples:
        >>> city_of("640181").name
        '银川市'
    """
    return CITIES[COUNTIES[county_code].city_code]


def counties_of(city_code: str) -> list[Division]:
    """Return the counties of a city, in code order.

    Examples:
        >>> [c.name for c in counties_of("640200")]
        ['大武口区', '惠农区', '平罗县']
    """
    return [c for c in COUNTIES.values() if c.city_code == city_code]
