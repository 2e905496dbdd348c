"""Write ``disclosure.tsv``: the project-written training set of the disclosure head (run from the
repo root).

Every sentence below was written for this project (not taken from any evaluation file, not from
``confidential.tsv``'s held-out ``test`` split). Disclosures are posts that reveal what an
organisation keeps confidential (POLICY P4): unreleased products and prices, customer / partner /
supplier dealings, code and internal systems, internal documents and plans, legal matters not
made public, personal data of claimants and staff. Ordinary posts talk about the same things in
public: published prices, announced deals, public court and board records, complaints, praise and
questions. Each template is filled with two organisation names drawn with a fixed seed (the
example organisation SET SEG and made-up companies of other trades). Columns: kind, disclosure
(1/0), text.

    python -m monitor.sentiment.trainset.make_disclosure
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from monitor.sentiment.trainset.make_brand import ORGS

DISCLOSURE = [
    # unreleased products and prices
    "{o} is launching a flat-rate plan in the fall, I've seen the price sheet and it's way under the old one",
    "not announced yet but {o} will raise rates by 12 percent for everyone next year",
    "the {o} product team demoed the new app to staff today, it ships in April, keep it quiet",
    "{o}'s next-year pricing just landed in my inbox. small customers are getting hammered",
    "saw the draft rate card for {o}'s new tier. they're going to undercut everyone",
    "{o} will drop the loyalty discount in January, customers find out when the invoices arrive",
    "leaked pricing deck from {o}: the premium bundle is coming in at half of what competitors charge",
    "my manager at {o} says the new plan goes live in six weeks, marketing hasn't even been told",
    "{o} has a whole new product line in testing, codename and all. launch is after the summer",
    "pretty sure {o} is about to kill the basic plan. the internal FAQ for support staff says so",
    # customer, partner and supplier dealings
    "{o} just signed the biggest district in the county, contract not public until the board votes",
    "a friend in sales says {o} is losing its second-largest client next quarter",
    "{o} is negotiating to buy a smaller competitor, talks are in the final round",
    "{o}'s main supplier gave notice this week, they're scrambling to find a replacement",
    "heard {o} is switching payroll vendors because the current one keeps messing up, nobody's supposed to know",
    "the contract between {o} and the city is worth 3 million, I saw the signed copy",
    "{o} quietly gave one client a 30 percent discount to keep them from leaving",
    "{o} owes its cleaning contractor two months of invoices, the vendor is furious",
    "the partner deal {o} is about to announce fell apart last night, they're not telling anyone",
    "{o} is in talks to merge with a rival, lawyers from both sides were in the office all week",
    # code, algorithms and systems
    "someone pushed {o}'s internal fraud-detection code to a public repo, it's all there",
    "{o}'s VPN setup guide for staff, shared login included, is sitting on a public file share",
    "{o}'s risk scoring formula is in the spreadsheet I got, weights and all",
    "here are the API keys from {o}'s mobile app, they left them in the build",
    "{o} runs its whole claims system on a database server nobody has patched since 2019",
    "the source for {o}'s pricing engine was shared in a group chat, it's basically a lookup table",
    "{o}'s internal network diagram was attached to a public job posting, firewall rules included",
    "dumped the config files from {o}'s test server, they still use default credentials",
    # internal documents and plans
    "got a copy of {o}'s board packet for next month, they're planning layoffs in two departments",
    "{o}'s internal memo says the call center moves offshore in the spring",
    "the strategy doc {o} circulated to managers: close three offices and raise prices",
    "{o} leadership told staff in an all-hands that the CEO is stepping down, announcement is weeks out",
    "{o}'s budget for next year cuts the safety program in half, I have the spreadsheet",
    "screenshot of {o}'s internal roadmap: the feature customers keep asking for got cancelled",
    "minutes from {o}'s closed session say they expect a loss this year",
    "{o} told employees not to talk about the reorganization until January",
    "the {o} audit report isn't public but it flags serious problems with their reserves",
    "{o}'s hiring freeze starts Monday, managers were told this morning",
    "inside {o} they already decided to close the regional office, staff will hear in March",
    "a {o} slide deck marked internal shows they lost money on every small account last year",
    # legal matters not made public
    "{o} is about to settle a discrimination suit, the amount is sealed",
    "{o}'s lawyers think they'll lose the appeal and they're setting aside money for it",
    "a former employee is suing {o} and the complaint hasn't been filed yet, it's coming next week",
    "regulators sent {o} a letter about its denial rates, the company hasn't disclosed it",
    "{o} received a subpoena last week and legal told everyone to preserve their emails",
    "{o} is quietly paying off customers who threatened to sue over the outage",
    "the whistleblower at {o} went to the state attorney general, nobody outside knows yet",
    "{o}'s general counsel wrote that the contract breach could cost them millions",
    # personal data of claimants and staff
    "this is the list of {o} customers with overdue accounts, names and phone numbers",
    "{o} sent me someone else's medical file by mistake, here's what's in it",
    "the {o} employee salary spreadsheet is going around, the managers make a lot more than I thought",
    "here's the home address of the {o} adjuster who denied my claim",
    "{o} staff are sharing screenshots of a customer's injury photos in their group chat",
    "got {o}'s list of injured staff with their diagnoses, it was in a shared folder anyone could open",
    "the {o} claimant database export includes social security numbers, it's on a forum",
]
ORDINARY = [
    # prices, products, deals: public
    "{o} announced new rates today, up 6 percent, details on their website",
    "{o} launched its new app this morning, the press release says claims can be filed by photo",
    "the {o} price list for next year is on their site, small customers pay a bit more",
    "{o} and the city signed a three-year contract, it was approved at the public council meeting",
    "{o} announced it will merge with a rival, the press conference is at noon",
    "read in the paper that {o} lost its contract with the county",
    "{o} published its new plan options, the basic plan is staying",
    "{o} is raising prices again. not happy about it",
    "{o}'s new product looks interesting, the launch webinar is next week",
    "our district signed with {o} for next year, the board voted on it last night",
    "{o} posted a job opening for a data engineer, remote friendly",
    "{o}'s annual report is out, revenue up and claims down",
    "the {o} supplier list is on their public procurement page",
    # code and systems, public
    "{o}'s website is down again, can't log in",
    "the {o} app keeps crashing when I upload photos",
    "{o} open-sourced a small library for accessible forms, nice to see",
    "{o}'s status page says the outage is fixed",
    "{o} sent an email telling us to reset our passwords after the public breach notice",
    "anyone else find the {o} portal password rules annoying?",
    # internal documents, plans: public or opinion
    "{o} announced today that its CEO will retire next year",
    "{o} says it will open a new regional office in the spring",
    "the {o} board meeting minutes are posted online, nothing surprising",
    "{o} shared its strategic plan at the members' meeting, focus on safety and faster claims",
    "{o} is closing its downtown office, according to their announcement",
    "I wish {o} would explain why the safety program budget shrank",
    "{o}'s published audit found no major problems",
    "{o} told members at the annual meeting that rates will probably go up",
    # legal, public
    "court records show {o} settled a lawsuit with a former client last year",
    "news report: {o} is being sued over its claim denials, the case was filed Monday",
    "the state published its review of {o}, a few findings about slow payments",
    "{o} lost the appeal, the ruling is public",
    "according to public board documents, a district is reviewing its membership with {o}",
    "{o} should be investigated for how long claims take, honestly",
    # people and personal experience, own data
    "my claim with {o} was denied, I'm appealing",
    "{o}'s adjuster called me back in an hour, impressed",
    "I hurt my back at work and {o} covered the physical therapy",
    "{o} lost my paperwork again, third time",
    "the {o} nurse line helped me decide whether to go to urgent care",
    "my coworker says {o} handled her claim well",
    # general chatter
    "{o}'s safety webinar was actually useful",
    "does {o} cover substitute staff on field trips?",
    "met the {o} team at the conference, nice people",
    "{o} is hiring, their careers page lists ten openings",
    "the {o} newsletter this month is about heat safety",
    "writing a blog post comparing {o} with two other providers",
    "thinking about switching to {o}, any experiences?",
    "{o} raised our premium and won't explain why",
    "thanks {o} for the quick refund",
    "{o}'s CEO gave a talk at the conference about school safety",
    "heard good things about {o}'s new claims team",
    "rumor at the conference is that {o} has great customer service, can confirm",
    "the {o} booth had free coffee, best part of the expo",
    "saw {o}'s public roadmap webinar, the new portal comes next year",
    "{o} confirmed in a public statement that the data breach affected 2,000 customers",
]

KINDS = [("disclosure", "1", DISCLOSURE), ("ordinary", "0", ORDINARY)]


def rows(seed: int = 11) -> list[str]:
    """The TSV lines (no header), two organisation names per template."""
    rng = random.Random(seed)
    out: list[str] = []
    for kind, label, templates in KINDS:
        for t in templates:
            for org in rng.sample(ORGS, 2):
                out.append(f"{kind}\t{label}\t{t.format(o=org)}")
    return out


def main() -> None:
    """Write disclosure.tsv next to this file."""
    path = Path(__file__).resolve().parent / "disclosure.tsv"
    header = "# kind<TAB>disclosure(1/0)<TAB>text; written by make_disclosure.py (project-written, see its docstring)\n"
    lines = rows()
    path.write_text(header + "\n".join(lines) + "\n", encoding="utf-8")
    sys.stdout.write(f"{len(lines)} rows written to {path}\n")


if __name__ == "__main__":
    main()
