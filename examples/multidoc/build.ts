/**
 * Builds examples/multidoc/data.json (LongBench-v2 item format) and evidence.json from the licence
 * texts Debian ships in /usr/share/common-licenses, reproduced verbatim. Run from the repository
 * root: `npx tsx examples/multidoc/build.ts`. Every evidence quote is checked against its source
 * text here, so a question cannot silently lose its support.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const LICENSE_DIR = process.env['DELM_LICENSE_DIR'] ?? '/usr/share/common-licenses';
const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The source texts used, with the title printed in each document header. */
const SOURCES = {
  'Apache-2.0': 'Apache License, Version 2.0',
  Artistic: 'The "Artistic License" (Perl, version 1)',
  BSD: 'BSD licence (University of California, 3-clause)',
  'CC0-1.0': 'Creative Commons CC0 1.0 Universal',
  'GFDL-1.2': 'GNU Free Documentation License, version 1.2',
  'GFDL-1.3': 'GNU Free Documentation License, version 1.3',
  'GPL-1': 'GNU General Public License, version 1',
  'GPL-2': 'GNU General Public License, version 2',
  'GPL-3': 'GNU General Public License, version 3',
  'LGPL-2': 'GNU Library General Public License, version 2',
  'LGPL-2.1': 'GNU Lesser General Public License, version 2.1',
  'LGPL-3': 'GNU Lesser General Public License, version 3',
  'MPL-1.1': 'Mozilla Public License, version 1.1',
  'MPL-2.0': 'Mozilla Public License, version 2.0',
} as const;
type Source = keyof typeof SOURCES;

interface Spec {
  id: string;
  difficulty: 'easy' | 'hard';
  docs: Source[];
  question: string;
  choices: [string, string, string, string];
  answer: 'A' | 'B' | 'C' | 'D';
  /** Quotes (whitespace-insensitive) that support the answer, with the source each comes from. */
  evidence: { source: Source; quote: string }[];
  rationale: string;
}

const SPECS: Spec[] = [
  {
    id: 'delm-lic-01',
    difficulty: 'hard',
    docs: ['GPL-2', 'Apache-2.0', 'LGPL-2.1', 'GPL-3'],
    question:
      'Which of these licences contain an express grant of a patent licence from the contributors to the recipients?',
    choices: [
      'All four licences',
      'The GPL version 2 and the GPL version 3 only',
      'The Apache License 2.0 and the GPL version 3 only',
      'The Apache License 2.0 only',
    ],
    answer: 'C',
    evidence: [
      {
        source: 'Apache-2.0',
        quote:
          'Grant of Patent License. Subject to the terms and conditions of this License, each Contributor hereby grants to You a perpetual, worldwide, non-exclusive, no-charge, royalty-free, irrevocable (except as stated in this section) patent license',
      },
      {
        source: 'GPL-3',
        quote:
          "Each contributor grants you a non-exclusive, worldwide, royalty-free patent license under the contributor's essential patent claims",
      },
    ],
    rationale: 'GPL-2 and LGPL-2.1 discuss patents (section 7 / 11) but grant no patent licence.',
  },
  {
    id: 'delm-lic-02',
    difficulty: 'hard',
    docs: ['MPL-2.0', 'GPL-2', 'Apache-2.0', 'GPL-3'],
    question:
      "Which of these licences provide that a licensee's rights, terminated because the licensee violated the licence, can be reinstated once the licensee comes back into compliance?",
    choices: [
      'The GPL version 2 and the GPL version 3 only',
      'All four licences',
      'The Mozilla Public License 2.0 and the Apache License 2.0 only',
      'The GPL version 3 and the Mozilla Public License 2.0 only',
    ],
    answer: 'D',
    evidence: [
      {
        source: 'GPL-3',
        quote:
          'However, if you cease all violation of this License, then your license from a particular copyright holder is reinstated (a) provisionally',
      },
      {
        source: 'MPL-2.0',
        quote:
          'However, if You become compliant, then the rights granted under this License from a particular Contributor are reinstated (a) provisionally',
      },
      {
        source: 'GPL-2',
        quote:
          'is void, and will automatically terminate your rights under this License. However, parties who have received copies, or rights, from you under this License will not have their licenses terminated',
      },
    ],
    rationale:
      'GPL-2 terminates without reinstatement (only third parties keep their licences); Apache-2.0 has no termination for breach, only for patent litigation.',
  },
  {
    id: 'delm-lic-03',
    difficulty: 'hard',
    docs: ['GFDL-1.3', 'GPL-3', 'GFDL-1.2', 'MPL-2.0'],
    question:
      'The GPL version 3, the Mozilla Public License 2.0 and the GNU Free Documentation License 1.3 each let rights come back after a violation. Which time limits do all three share?',
    choices: [
      'A 60-day window after the violation stops for the rights holder to give notice, and a 30-day cure period after a first notice of violation',
      'A 30-day window after the violation stops for the rights holder to give notice, and a 60-day cure period after a first notice of violation',
      'The GPL and the MPL use 60 and 30 days, but the FDL 1.3 uses 90 days',
      'None: only the GPL version 3 has a cure period; the other two terminate permanently',
    ],
    answer: 'A',
    evidence: [
      {
        source: 'GPL-3',
        quote: 'fails to notify you of the violation by some reasonable means prior to 60 days after the cessation',
      },
      { source: 'GPL-3', quote: 'you cure the violation prior to 30 days after your receipt of the notice' },
      {
        source: 'MPL-2.0',
        quote:
          'fails to notify You of the non-compliance by some reasonable means prior to 60 days after You have come back into compliance',
      },
      { source: 'MPL-2.0', quote: 'You become compliant prior to 30 days after Your receipt of the notice' },
      {
        source: 'GFDL-1.3',
        quote: 'fails to notify you of the violation by some reasonable means prior to 60 days after the cessation',
      },
      { source: 'GFDL-1.3', quote: 'you cure the violation prior to 30 days after your receipt of the notice' },
    ],
    rationale: 'All three texts are needed; GFDL-1.2 (a distractor) has no reinstatement at all.',
  },
  {
    id: 'delm-lic-04',
    difficulty: 'hard',
    docs: ['BSD', 'GPL-3', 'MPL-2.0', 'Apache-2.0'],
    question:
      'Which of these licence texts themselves state that the licence does not grant rights or permission in trademarks?',
    choices: [
      'All four licences',
      'The Apache License 2.0 and the Mozilla Public License 2.0 only',
      'The Apache License 2.0, the Mozilla Public License 2.0 and the GPL version 3 only',
      'The BSD licence and the GPL version 3 only',
    ],
    answer: 'B',
    evidence: [
      {
        source: 'Apache-2.0',
        quote:
          'Trademarks. This License does not grant permission to use the trade names, trademarks, service marks, or product names of the Licensor',
      },
      {
        source: 'MPL-2.0',
        quote: 'This License does not grant any rights in the trademarks, service marks, or logos of any Contributor',
      },
      {
        source: 'GPL-3',
        quote:
          'Declining to grant rights under trademark law for use of some trade names, trademarks, or service marks',
      },
    ],
    rationale:
      'GPL-3 only allows a licensor to add such a term (section 7e); the BSD text restricts using names for endorsement, not trademarks as such.',
  },
  {
    id: 'delm-lic-05',
    difficulty: 'easy',
    docs: ['GPL-2', 'LGPL-3', 'GPL-3', 'LGPL-2.1'],
    question:
      'How do the GNU Lesser General Public License versions 2.1 and 3 relate to the ordinary GNU General Public License?',
    choices: [
      'Both incorporate the GPL version 3 by reference and only add permissions',
      'Version 3 incorporates the terms of the GPL version 3 plus additional permissions; version 2.1 is self-contained but lets you switch a given copy to the ordinary GPL (version 2 or newer), irreversibly for that copy',
      'Version 2.1 incorporates the GPL version 2 by reference, while version 3 is self-contained and never mentions the GPL',
      'Neither refers to the ordinary GPL at all',
    ],
    answer: 'B',
    evidence: [
      {
        source: 'LGPL-3',
        quote:
          'This version of the GNU Lesser General Public License incorporates the terms and conditions of version 3 of the GNU General Public License, supplemented by the additional permissions listed below.',
      },
      {
        source: 'LGPL-2.1',
        quote:
          'You may opt to apply the terms of the ordinary GNU General Public License instead of this License to a given copy of the Library.',
      },
      { source: 'LGPL-2.1', quote: 'Once this change is made in a given copy, it is irreversible for that copy' },
    ],
    rationale: 'One fact from each LGPL text.',
  },
  {
    id: 'delm-lic-06',
    difficulty: 'easy',
    docs: ['Apache-2.0', 'MPL-1.1', 'GPL-3', 'MPL-2.0'],
    question:
      'How does the Mozilla Public License version 1.1 differ from version 2.0 on governing law and where disputes are heard?',
    choices: [
      'Both versions name California law and the courts of Santa Clara County',
      'Version 1.1 sends litigation to the courts where the defendant has its principal place of business, while version 2.0 names California law',
      'Neither version addresses governing law; of these texts only the Apache License does',
      "Version 1.1 names California law (with the federal courts of the Northern District of California for US parties), while version 2.0 sends litigation to the courts where the defendant has its principal place of business, under that jurisdiction's law",
    ],
    answer: 'D',
    evidence: [
      { source: 'MPL-1.1', quote: 'This License shall be governed by California law provisions' },
      {
        source: 'MPL-1.1',
        quote: 'subject to the jurisdiction of the Federal Courts of the Northern District of California',
      },
      {
        source: 'MPL-2.0',
        quote:
          'Any litigation relating to this License may be brought only in the courts of a jurisdiction where the defendant maintains its principal place of business and such litigation shall be governed by laws of that jurisdiction',
      },
    ],
    rationale: 'Needs both MPL texts; Apache-2.0 and GPL-3 name no governing law.',
  },
  {
    id: 'delm-lic-07',
    difficulty: 'easy',
    docs: ['GPL-3', 'LGPL-2', 'GPL-1', 'GPL-2'],
    question: 'Two of these licence documents carry the same version date in their headers. Which two?',
    choices: [
      'The GPL version 1 and the GPL version 2 (both February 1989)',
      'The GPL version 3 and the GNU Library General Public License version 2 (both June 2007)',
      'The GPL version 2 and the GNU Library General Public License version 2 (both June 1991)',
      'No two of them share a version date',
    ],
    answer: 'C',
    evidence: [
      { source: 'GPL-2', quote: 'Version 2, June 1991' },
      { source: 'LGPL-2', quote: 'GNU LIBRARY GENERAL PUBLIC LICENSE Version 2, June 1991' },
      { source: 'GPL-1', quote: 'Version 1, February 1989' },
      { source: 'GPL-3', quote: 'Version 3, 29 June 2007' },
    ],
    rationale: 'Compare the four headers.',
  },
  {
    id: 'delm-lic-08',
    difficulty: 'hard',
    docs: ['CC0-1.0', 'GFDL-1.2', 'GPL-3', 'GFDL-1.3'],
    question:
      'What may the operator of a "Massive Multiauthor Collaboration Site" do under the GNU Free Documentation License 1.3 that the version 1.2 text does not provide for?',
    choices: [
      'Relicense the collaboration under the GPL version 3 at any time',
      'Republish an eligible collaboration under CC0 1.0 before November 1, 2008',
      'Nothing: versions 1.2 and 1.3 contain the same relicensing section',
      'Republish an eligible collaboration under CC-BY-SA 3.0 on the same site before August 1, 2009',
    ],
    answer: 'D',
    evidence: [
      { source: 'GFDL-1.3', quote: '"CC-BY-SA" means the Creative Commons Attribution-Share Alike 3.0 license' },
      {
        source: 'GFDL-1.3',
        quote:
          'The operator of an MMC Site may republish an MMC contained in the site under CC-BY-SA on the same site at any time before August 1, 2009, provided the MMC is eligible for relicensing.',
      },
      { source: 'GFDL-1.2', quote: 'GNU Free Documentation License Version 1.2, November 2002' },
    ],
    rationale:
      'Section 11 (RELICENSING) exists only in 1.3; November 1, 2008 is the incorporation cut-off, not the republication deadline.',
  },
  {
    id: 'delm-lic-09',
    difficulty: 'easy',
    docs: ['Artistic', 'CC0-1.0', 'BSD', 'Apache-2.0'],
    question:
      'Which of these texts require that copies or derivatives a recipient distributes keep the original copyright notices?',
    choices: [
      'The BSD licence, the Apache License 2.0 and the Artistic License, but not CC0 1.0',
      'All four texts, CC0 1.0 included',
      'Only the BSD licence',
      'The Apache License 2.0 and CC0 1.0 only',
    ],
    answer: 'A',
    evidence: [
      { source: 'BSD', quote: 'Redistributions of source code must retain the above copyright notice' },
      {
        source: 'Apache-2.0',
        quote:
          'You must retain, in the Source form of any Derivative Works that You distribute, all copyright, patent, trademark, and attribution notices',
      },
      {
        source: 'Artistic',
        quote: 'provided that you duplicate all of the original copyright notices and associated disclaimers',
      },
    ],
    rationale: 'CC0 waives rights and imposes no notice requirement.',
  },
  {
    id: 'delm-lic-10',
    difficulty: 'hard',
    docs: ['GPL-3', 'MPL-2.0', 'LGPL-3', 'Apache-2.0', 'GFDL-1.3'],
    question:
      "A work's licence notice names one specific version of its licence and says nothing about later versions. Under which of these licences may a recipient still distribute the work under a later version published by the licence steward?",
    choices: [
      'The GPL version 3 and the Free Documentation License 1.3 only',
      'The Mozilla Public License 2.0 only',
      'The Mozilla Public License 2.0 and the Apache License 2.0',
      'All three GNU licences and the Mozilla Public License 2.0',
    ],
    answer: 'B',
    evidence: [
      {
        source: 'MPL-2.0',
        quote:
          'You may distribute the Covered Software under the terms of the version of the License under which You originally received the Covered Software, or under the terms of any subsequent version published by the license steward.',
      },
      {
        source: 'GPL-3',
        quote:
          'If the Program specifies that a certain numbered version of the GNU General Public License "or any later version" applies to it, you have the option',
      },
      {
        source: 'GFDL-1.3',
        quote:
          'If the Document specifies that a particular numbered version of this License "or any later version" applies to it, you have the option',
      },
      {
        source: 'LGPL-3',
        quote: 'of the GNU Lesser General Public License "or any later version" applies to it, you have the option',
      },
    ],
    rationale:
      'The GNU texts give the option only for "or any later version" (or when no version is named); Apache-2.0 says nothing about later versions.',
  },
  {
    id: 'delm-lic-11',
    difficulty: 'hard',
    docs: [
      'GPL-2',
      'Artistic',
      'LGPL-2.1',
      'MPL-2.0',
      'GFDL-1.3',
      'BSD',
      'GPL-1',
      'CC0-1.0',
      'LGPL-3',
      'Apache-2.0',
      'GFDL-1.2',
      'MPL-1.1',
      'LGPL-2',
      'GPL-3',
    ],
    question: 'Which pairing of a provision with the licence text that contains it is correct?',
    choices: [
      'A "Public License Fallback" if the waiver is invalid: the Artistic License; governing law of California: the Mozilla Public License 2.0',
      'A "Public License Fallback" if the waiver is invalid: CC0 1.0; governing law of California: the Mozilla Public License 1.1',
      'A "Public License Fallback" if the waiver is invalid: CC0 1.0; governing law of California: the BSD licence',
      'A "Public License Fallback" if the waiver is invalid: the Free Documentation License 1.3; governing law of California: the Mozilla Public License 1.1',
    ],
    answer: 'B',
    evidence: [
      {
        source: 'CC0-1.0',
        quote:
          'Public License Fallback. Should any part of the Waiver for any reason be judged legally invalid or ineffective under applicable law',
      },
      { source: 'MPL-1.1', quote: 'This License shall be governed by California law provisions' },
    ],
    rationale:
      'All fourteen texts; BSD mentions California only in its copyright line and GFDL-1.3 only in the address of Creative Commons.',
  },
  {
    id: 'delm-lic-12',
    difficulty: 'hard',
    docs: ['MPL-2.0', 'BSD', 'Apache-2.0', 'GPL-2'],
    question:
      'The Apache License 2.0 and the Mozilla Public License 2.0 both end patent rights of a licensee who brings patent litigation over the software. How do they treat counter-claims and cross-claims?',
    choices: [
      'Both count a counter-claim or cross-claim as such litigation',
      'Both exclude counter-claims and cross-claims',
      'The Apache License counts a cross-claim or counterclaim as such litigation; the MPL 2.0 excludes counter-claims and cross-claims (and declaratory judgment actions)',
      'The MPL 2.0 counts counter-claims as such litigation; the Apache License excludes them',
    ],
    answer: 'C',
    evidence: [
      {
        source: 'Apache-2.0',
        quote:
          'If You institute patent litigation against any entity (including a cross-claim or counterclaim in a lawsuit)',
      },
      {
        source: 'MPL-2.0',
        quote:
          'If You initiate litigation against any entity by asserting a patent infringement claim (excluding declaratory judgment actions, counter-claims, and cross-claims)',
      },
    ],
    rationale: 'One clause from each; GPL-2 and BSD have no such clause.',
  },
];

const normalize = (s: string) => s.replace(/\s+/g, ' ').trim();

function main(): void {
  const texts = new Map<Source, string>();
  for (const name of Object.keys(SOURCES) as Source[]) {
    texts.set(name, readFileSync(path.join(LICENSE_DIR, name), 'utf8'));
  }
  const items: unknown[] = [];
  const evidence: Record<string, unknown> = {};
  for (const spec of SPECS) {
    const parts: string[] = [];
    const labels = new Map<Source, string>();
    spec.docs.forEach((src, i) => {
      labels.set(src, `D${i + 1}`);
      parts.push(`Document ${i + 1}: ${SOURCES[src]}\n\n${(texts.get(src) ?? '').replace(/^\s*\n/, '').trimEnd()}\n`);
    });
    const context = parts.join('\n\n');
    for (const ev of spec.evidence) {
      if (!spec.docs.includes(ev.source))
        throw new Error(`${spec.id}: evidence from ${ev.source}, which is not in the context`);
      if (!normalize(texts.get(ev.source) ?? '').includes(normalize(ev.quote)))
        throw new Error(`${spec.id}: quote not found in ${ev.source}: ${ev.quote}`);
    }
    if (new Set(spec.evidence.map((e) => e.source)).size < 2)
      throw new Error(`${spec.id}: evidence must come from at least two documents`);
    const words = context.split(/\s+/).filter(Boolean).length;
    items.push({
      _id: spec.id,
      domain: 'Multi-Document QA',
      sub_domain: 'Legal',
      difficulty: spec.difficulty,
      length: words < 32_000 ? 'short' : words < 128_000 ? 'medium' : 'long',
      question: spec.question,
      choice_A: spec.choices[0],
      choice_B: spec.choices[1],
      choice_C: spec.choices[2],
      choice_D: spec.choices[3],
      answer: spec.answer,
      context,
    });
    evidence[spec.id] = {
      documents: spec.docs.map((src, i) => ({ label: `D${i + 1}`, source: src, title: SOURCES[src] })),
      evidence: spec.evidence.map((e) => ({ label: labels.get(e.source), source: e.source, quote: e.quote })),
      rationale: spec.rationale,
    };
  }
  writeFileSync(path.join(HERE, 'data.json'), `${JSON.stringify(items, null, 1)}\n`);
  writeFileSync(path.join(HERE, 'evidence.json'), `${JSON.stringify(evidence, null, 2)}\n`);
  console.log(`wrote ${items.length} items`);
}

main();
