"""Business Central's demo set-up (spec section 8), as rows the benchmark inserts set-based."""

from __future__ import annotations

# code, description, probability_calculation
CYCLES: tuple[tuple[str, str, str], ...] = (
    ("EX-LARGE", "Existing customer - Large acc.", "multiply"),
    ("EX-SMALL", "Existing customer - Small acc.", "add"),
    ("FIRSTLARGE", "First time - Large account", "multiply"),
    ("FIRSTSMALL", "First time - Small account", "add"),
    ("EXISTING", "Existing customer", "completed"),
    ("NEW", "New customer", "chances"),
)

# Share of the generated opportunities per cycle (cumulative thresholds are derived from it).
CYCLE_MIX: tuple[tuple[str, float], ...] = (
    ("EX-LARGE", 0.10),
    ("EX-SMALL", 0.15),
    ("FIRSTLARGE", 0.10),
    ("FIRSTSMALL", 0.15),
    ("EXISTING", 0.25),
    ("NEW", 0.25),
)

# cycle, stage, description, completed %, chances %, activity, quote required, allow skip
STAGES: tuple[tuple[str, int, str, int, int, str, bool, bool], ...] = (
    ("EX-LARGE", 1, "Initial", 2, 10, "INIT", False, True),
    ("EX-LARGE", 2, "Understanding needs meeting", 35, 25, "NEEDS", False, True),
    ("EX-LARGE", 3, "Product Presentation/Workshop", 70, 60, "P-WORK", True, True),
    ("EX-LARGE", 4, "Proposal", 85, 80, "PROPOSAL", True, False),
    ("EX-LARGE", 5, "Sign Contract", 95, 100, "SIGN", True, False),
    ("EX-SMALL", 1, "Initial", 2, 20, "INIT", False, True),
    ("EX-SMALL", 2, "Presentation", 50, 40, "P-WORK", False, True),
    ("EX-SMALL", 3, "Proposal", 80, 60, "PROPOSAL", True, False),
    ("EX-SMALL", 4, "Sign Contract", 95, 80, "SIGN", True, False),
    ("FIRSTLARGE", 1, "Initial", 2, 10, "INIT", False, True),
    ("FIRSTLARGE", 2, "Qualification", 5, 20, "QUAL", False, False),
    ("FIRSTLARGE", 3, "Company Presentation", 20, 30, "C-PRES", False, False),
    ("FIRSTLARGE", 4, "Product Presentation", 40, 40, "P-PRES", False, False),
    ("FIRSTLARGE", 5, "Workshop", 50, 60, "WORKSHOP", True, True),
    ("FIRSTLARGE", 6, "Proposal", 80, 80, "PROPOSAL", True, True),
    ("FIRSTLARGE", 7, "Sign Contract", 95, 100, "SIGN", True, False),
    ("FIRSTSMALL", 1, "Initial", 2, 20, "INIT", False, False),
    ("FIRSTSMALL", 2, "Qualification", 5, 40, "QUAL", False, False),
    ("FIRSTSMALL", 3, "Presentation", 40, 60, "P-WORK", True, True),
    ("FIRSTSMALL", 4, "Proposal", 60, 80, "PROPOSAL", True, False),
    ("FIRSTSMALL", 5, "Sign Contract", 95, 100, "SIGN", True, False),
    ("EXISTING", 1, "Initial", 2, 10, "INIT", False, True),
    ("EXISTING", 2, "Presentation", 50, 40, "P-WORK", False, True),
    ("EXISTING", 3, "Proposal", 80, 80, "PROPOSAL", True, False),
    ("EXISTING", 4, "Sign Contract", 95, 100, "SIGN", True, False),
    ("NEW", 1, "Initial", 2, 10, "INIT", False, False),
    ("NEW", 2, "Qualification", 5, 20, "QUAL", False, False),
    ("NEW", 3, "Presentation", 40, 50, "P-WORK", True, True),
    ("NEW", 4, "Proposal", 60, 75, "PROPOSAL", True, False),
    ("NEW", 5, "Sign Contract", 95, 100, "SIGN", True, False),
)

ACTIVITIES: tuple[tuple[str, str], ...] = (
    ("C-PRES", "Company Presentation tasks"),
    ("INIT", "Initial tasks"),
    ("NEEDS", "Understanding needs tasks"),
    ("P-PRES", "Product Presentation"),
    ("PROPOSAL", "Proposal tasks"),
    ("P-WORK", "Presentation/Workshop"),
    ("QUAL", "Qualification tasks"),
    ("SIGN", "Sign Contract tasks"),
    ("WORKSHOP", "Workshop tasks"),
)

WON_CODES: tuple[tuple[str, str], ...] = (
    ("BUSINESS_W", "Knowledge of cust. business"),
    ("CONSULT_W", "Competent consultant"),
    ("RELATION_W", "Good customer relations"),
    ("PRICE_W", "Best price"),
    ("PRODUCT_W", "Best product"),
    ("PRES_W", "Strong presale work"),
    ("SALESREP_W", "Competent salesperson"),
    ("CP", "Closed from Commerce Portal"),
)
LOST_CODES: tuple[tuple[str, str], ...] = (
    ("BUSINESS_L", "Inadequate knowledge of cust"),
    ("CONSULT_L", "Ineffective consultant"),
    ("RELATION_L", "Poor customer relations"),
    ("PRICE_L", "Our product was too expensive"),
    ("PRODUCT_L", "Customer chose another product"),
    ("PRES_L", "Ineffective presale work"),
    ("SALESREP_L", "Attitude of salesperson"),
    ("TIMEWST_L", "Cust. not committed to deal"),
    ("POSTPND_L", "Deal postponed indefinitely"),
    ("WALKED_L", "We walked"),
)

ADMIN = "ADM"
MANAGER = "MGR"
REPS = tuple(f"R{i:02d}" for i in range(1, 21))
