"""Business Central's demo sales cycles, stages and close codes (spec 8.1–8.3), built by hand.

Kept independent of `oppbot.demo` on purpose: these are the numbers the spec states, so the
domain tests check the rules against the reference data, not against the loader.
"""

from __future__ import annotations

from decimal import Decimal

from oppbot.domain.enums import CloseType, ProbabilityCalculation
from oppbot.domain.model import CloseOpportunityCode, SalesCycle, SalesCycleStage

M = ProbabilityCalculation.MULTIPLY
A = ProbabilityCalculation.ADD
CH = ProbabilityCalculation.CHANCES
CO = ProbabilityCalculation.COMPLETED

# (code, description, method)
CYCLES: list[tuple[str, str, ProbabilityCalculation]] = [
    ("EX-LARGE", "Existing customer - Large acc.", M),
    ("EX-SMALL", "Existing customer - Small acc.", A),
    ("FIRSTLARGE", "First time - Large account", M),
    ("FIRSTSMALL", "First time - Small account", A),
    ("EXISTING", "Existing customer", CO),
    ("NEW", "New customer", CH),
]

# Spec 8.2: (cycle, stage, description, completed, chances, activity, quote required, allow skip, prob.)
STAGE_ROWS: list[tuple[str, int, str, int, int, str, bool, bool, Decimal]] = [
    ("EX-LARGE", 1, "Initial", 2, 10, "INIT", False, True, Decimal("0.2")),
    ("EX-LARGE", 2, "Understanding needs meeting", 35, 25, "NEEDS", False, True, Decimal("8.75")),
    ("EX-LARGE", 3, "Product Presentation/Workshop", 70, 60, "P-WORK", True, True, Decimal("42")),
    ("EX-LARGE", 4, "Proposal", 85, 80, "PROPOSAL", True, False, Decimal("68")),
    ("EX-LARGE", 5, "Sign Contract", 95, 100, "SIGN", True, False, Decimal("95")),
    ("EX-SMALL", 1, "Initial", 2, 20, "INIT", False, True, Decimal("11")),
    ("EX-SMALL", 2, "Presentation", 50, 40, "P-WORK", False, True, Decimal("45")),
    ("EX-SMALL", 3, "Proposal", 80, 60, "PROPOSAL", True, False, Decimal("70")),
    ("EX-SMALL", 4, "Sign Contract", 95, 80, "SIGN", True, False, Decimal("87.5")),
    ("FIRSTLARGE", 1, "Initial", 2, 10, "INIT", False, True, Decimal("0.2")),
    ("FIRSTLARGE", 2, "Qualification", 5, 20, "QUAL", False, False, Decimal("1")),
    ("FIRSTLARGE", 3, "Company Presentation", 20, 30, "C-PRES", False, False, Decimal("6")),
    ("FIRSTLARGE", 4, "Product Presentation", 40, 40, "P-PRES", False, False, Decimal("16")),
    ("FIRSTLARGE", 5, "Workshop", 50, 60, "WORKSHOP", True, True, Decimal("30")),
    ("FIRSTLARGE", 6, "Proposal", 80, 80, "PROPOSAL", True, True, Decimal("64")),
    ("FIRSTLARGE", 7, "Sign Contract", 95, 100, "SIGN", True, False, Decimal("95")),
    ("FIRSTSMALL", 1, "Initial", 2, 20, "INIT", False, False, Decimal("11")),
    ("FIRSTSMALL", 2, "Qualification", 5, 40, "QUAL", False, False, Decimal("22.5")),
    ("FIRSTSMALL", 3, "Presentation", 40, 60, "P-WORK", True, True, Decimal("50")),
    ("FIRSTSMALL", 4, "Proposal", 60, 80, "PROPOSAL", True, False, Decimal("70")),
    ("FIRSTSMALL", 5, "Sign Contract", 95, 100, "SIGN", True, False, Decimal("97.5")),
    ("EXISTING", 1, "Initial", 2, 10, "INIT", False, True, Decimal("2")),
    ("EXISTING", 2, "Presentation", 50, 40, "P-WORK", False, True, Decimal("50")),
    ("EXISTING", 3, "Proposal", 80, 80, "PROPOSAL", True, False, Decimal("80")),
    ("EXISTING", 4, "Sign Contract", 95, 100, "SIGN", True, False, Decimal("95")),
    ("NEW", 1, "Initial", 2, 10, "INIT", False, False, Decimal("10")),
    ("NEW", 2, "Qualification", 5, 20, "QUAL", False, False, Decimal("20")),
    ("NEW", 3, "Presentation", 40, 50, "P-WORK", True, True, Decimal("50")),
    ("NEW", 4, "Proposal", 60, 75, "PROPOSAL", True, False, Decimal("75")),
    ("NEW", 5, "Sign Contract", 95, 100, "SIGN", True, False, Decimal("100")),
]

# Spec 8.3: 8 won and 10 lost codes.
CLOSE_CODE_ROWS: list[tuple[str, CloseType, str]] = [
    ("BUSINESS_W", CloseType.WON, "Knowledge of cust. business"),
    ("CONSULT_W", CloseType.WON, "Competent consultant"),
    ("RELATION_W", CloseType.WON, "Good customer relations"),
    ("PRICE_W", CloseType.WON, "Best price"),
    ("PRODUCT_W", CloseType.WON, "Best product"),
    ("PRES_W", CloseType.WON, "Strong presale work"),
    ("SALESREP_W", CloseType.WON, "Competent salesperson"),
    ("CP", CloseType.WON, "Closed from Commerce Portal"),
    ("BUSINESS_L", CloseType.LOST, "Inadequate knowledge of cust"),
    ("CONSULT_L", CloseType.LOST, "Ineffective consultant"),
    ("RELATION_L", CloseType.LOST, "Poor customer relations"),
    ("PRICE_L", CloseType.LOST, "Our product was too expensive"),
    ("PRODUCT_L", CloseType.LOST, "Customer chose another product"),
    ("PRES_L", CloseType.LOST, "Ineffective presale work"),
    ("SALESREP_L", CloseType.LOST, "Attitude of salesperson"),
    ("TIMEWST_L", CloseType.LOST, "Cust. not committed to deal"),
    ("POSTPND_L", CloseType.LOST, "Deal postponed indefinitely"),
    ("WALKED_L", CloseType.LOST, "We walked"),
]


def demo_cycles() -> dict[str, SalesCycle]:
    """Fresh objects on every call: the actions mutate what they are given."""
    cycles: dict[str, SalesCycle] = {}
    for code, description, method in CYCLES:
        stages = [
            SalesCycleStage(
                sales_cycle_code=cycle,
                stage=stage,
                description=text,
                completed_pct=completed,
                chances_pct=chances,
                activity_code=activity,
                quote_required=quote,
                allow_skip=skip,
                date_formula="",
            )
            for cycle, stage, text, completed, chances, activity, quote, skip, _ in STAGE_ROWS
            if cycle == code
        ]
        cycles[code] = SalesCycle(
            code=code, description=description, probability_calculation=method, stages=stages
        )
    return cycles


def demo_close_codes() -> dict[str, CloseOpportunityCode]:
    return {code: CloseOpportunityCode(code, kind, text) for code, kind, text in CLOSE_CODE_ROWS}
