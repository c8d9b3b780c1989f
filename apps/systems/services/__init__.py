"""Writes of apps/systems, by sub-domain: secrets, fan_out (telling), answers (settling),
reminders (silent systems)."""

from apps.systems.services.answers import (
    certify,
    propagation_task_close,
    propagation_task_confirm,
    propagation_task_confirm_by_link,
    propagation_task_report,
    task_for_link,
)
from apps.systems.services.fan_out import (
    instructions_send,
    propagation_fan_out,
    propagation_on_step,
    system_test_send,
    tasks_gave_up,
    tasks_told,
)
from apps.systems.services.reminders import Reminded, systems_remind
from apps.systems.services.secrets import system_secret_rotate

__all__ = [
    "Reminded",
    "certify",
    "instructions_send",
    "propagation_fan_out",
    "propagation_on_step",
    "propagation_task_close",
    "propagation_task_confirm",
    "propagation_task_confirm_by_link",
    "propagation_task_report",
    "system_secret_rotate",
    "system_test_send",
    "systems_remind",
    "task_for_link",
    "tasks_gave_up",
    "tasks_told",
]
