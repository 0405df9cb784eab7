"""Statistical disclosure control: what may be published of a set of aggregate tables.

The statistics a press officer sees or exports pass through here; nothing
else does.  The model (``Cells``) knows nothing of KPIs or units:

- a **cell** is one number under a key (``("received", "350203", "current")``);
  a key shared by two tables is the same cell, so a cell is suppressed in
  every table of one export or in none;
- a cell is **shown** (it appears in a table), or **hidden** (a number
  that lies behind shown ones: a unit left out of the selection, the
  not-dissuaded outcomes behind a rate);
- a cell is **sensitive** when it must never be known exactly: a count
  from 1 to ``threshold - 1``, or an amount built from that few cases;
- an **equation** says that cells add up (a district is the sum of its
  stations plus a known rest; the fraud types of a unit add up to its
  warnings).

``protect(cells, threshold)`` suppresses every shown sensitive cell
(*primary*: published as "<5") and then, one at a time, the cheapest further
cell (*secondary*: published as "x") until no sensitive cell, shown or
hidden, can be worked out from what is published: neither by linear algebra
over the equations (``attack.determined``) nor by narrowing bounds (a count
of "<5" lies in 1..4, nothing is negative, a secondary cell is 0 or at
least the threshold).  See ``docs/statistics.md``.
"""

from dashboard.disclosure.model import Cell, Cells, Equation
from dashboard.disclosure.suppression import PRIMARY, PUBLISHED, SECONDARY, Protection, protect

__all__ = ["Cell", "Cells", "Equation", "Protection", "protect", "PRIMARY", "PUBLISHED",
           "SECONDARY"]
