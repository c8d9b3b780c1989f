from dataclasses import dataclass

from user_agents import parse


@dataclass(frozen=True)
class ParsedAgent:
    device: str
    browser: str
    operating_system: str


def parse_user_agent(raw: str) -> ParsedAgent:
    if not raw:
        return ParsedAgent(device="", browser="", operating_system="")
    agent = parse(raw[:512])
    if agent.is_mobile:
        device = "Mobile"
    elif agent.is_tablet:
        device = "Tablet"
    elif agent.is_bot:
        device = "Bot"
    elif agent.is_pc:
        device = "Computer"
    else:
        device = agent.device.family if agent.device.family != "Other" else ""
    browser = " ".join(filter(None, [agent.browser.family, agent.browser.version_string])).strip()
    os_name = " ".join(filter(None, [agent.os.family, agent.os.version_string])).strip()
    return ParsedAgent(device=device[:64], browser=browser[:64], operating_system=os_name[:64])
