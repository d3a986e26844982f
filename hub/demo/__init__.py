"""Reference data and the deterministic demo workload behind `hub demo`.

Real lists (regions, the 353 councils of April 2009, Oflog's adult social care measures) come
from `hub/reference/` (sources and licences in its README); everything else is synthetic, seeded,
and the same on every run. Scales: `tiny` (tests: NI1-NI10, NI59, NI192 x 8 quarters), `small`
(NI1-NI198 x the 8 quarters 2008-Q2 .. 2010-Q1, about 560,000 observations) and `full` (x 40
quarters, 2000-Q2 .. 2010-Q1, about 2.8 million); every scale adds the real ASC series.

Demo principals (`DEMO_PRINCIPALS`; tokens are issued for them by `hub demo`):

    role                    organisation            principal name
    hub_admin               hub                     demo-hub-admin
    riep_analyst            riep-north-east         demo-riep-analyst
    idea_analyst            idea                    demo-idea-analyst
    clearing_house_officer  idea                    demo-clearing-house-officer
    authority_officer       E08000021 (Newcastle)   demo-authority-officer
    auditor                 hub-audit               demo-auditor
    submitter               audit-commission        demo-submitter

Authorities in difficulty (synthetic; not their real record): Middlesbrough (North East),
Doncaster (Yorkshire and The Humber), Stoke-on-Trent (West Midlands), Haringey (London), Torbay
(South West) and Forest Heath (East of England, a district). Their NI values worsen from 2008-Q2
(polarity aware), they score lowest in CPA, CAA, use of resources and APA, and carry the CAA red
flags (all but Torbay and Forest Heath), the improvement notices (Doncaster, Haringey,
Stoke-on-Trent) and the clearing-house concerns (raised by their RIEPs; Haringey's closed).

Agreements (hub/demo/scenario.py `STORIES`; everyone else: ACTIVE, every source, provisional
data, recipients the region's RIEP and the IDeA, every purpose; mutuality statement signed):

    North East: Newcastle two versions (Audit Commission only, then everything); County Durham
    two versions (final values only, then provisional too); Stockton-on-Tees Audit Commission
    only; Gateshead children and young people only; Darlington no provisional data; Sunderland
    no research purpose; Redcar and Cleveland SUSPENDED; Hartlepool WITHDRAWN; South Tyneside
    EXPIRED (2008-04-01 .. 2010-03-31); Northumberland DRAFT; North Tyneside none.
    Elsewhere: Kent, Cambridge Audit Commission only; Wealden environment only; Bristol the GO
    LAA source's environment theme only; Manchester, Ribble Valley no provisional data; Leeds no
    research purpose; Birmingham RIEP only (no IDeA); Camden no aggregates; Westminster,
    Lincolnshire SUSPENDED; Wokingham, Gedling WITHDRAWN (mutuality statement withdrawn too);
    Isles of Scilly, City of London, Torridge none; Rutland none, mutuality statement signed.
"""

from hub.demo.reference import load_reference
from hub.demo.scenario import DEMO_PRINCIPALS, DIFFICULTY, DemoPrincipal
from hub.demo.state import demo_loaded, loaded_scale, reset_demo, table_counts
from hub.demo.workload import SCALES, load_demo

__all__ = [
    "DEMO_PRINCIPALS",
    "DIFFICULTY",
    "SCALES",
    "DemoPrincipal",
    "demo_loaded",
    "load_demo",
    "load_reference",
    "loaded_scale",
    "reset_demo",
    "table_counts",
]
