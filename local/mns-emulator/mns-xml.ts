/**
 * The little XML MNS speaks: a strict parser for request bodies (one root, elements, attributes, text, CDATA and
 * comments; no DOCTYPE, so no entity expansion) and builders for responses with proper escaping.
 */

export const MNS_XMLNS = 'http://mns.aliyuncs.com/doc/v1/';

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Character data directly inside this element (entities decoded, CDATA included). */
  text: string;
}

export class XmlSyntaxError extends Error {
  override name = 'XmlSyntaxError';
}

/** Characters XML 1.0 allows (a lone surrogate is not a character either). */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;
const NAME = /[A-Za-z_:][A-Za-z0-9._:-]*/y;
const PREDEFINED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Parses a whole document; throws XmlSyntaxError on anything not well-formed. */
export function parseXml(input: string): XmlElement {
  if (NOT_XML_CHAR.test(input)) throw new XmlSyntaxError('character not allowed in XML');
  // XML processors normalise line ends before anything else.
  const source = input.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  const parser = new Parser(source);
  return parser.document();
}

class Parser {
  #pos = 0;

  constructor(private readonly src: string) {}

  document(): XmlElement {
    if (this.src.startsWith('<?xml', this.#pos)) {
      const end = this.src.indexOf('?>', this.#pos);
      if (end < 0) this.fail('unterminated XML declaration');
      this.#pos = end + 2;
    }
    this.misc();
    if (this.src[this.#pos] !== '<') this.fail('expected the root element');
    const root = this.element();
    this.misc();
    if (this.#pos !== this.src.length) this.fail('content after the root element');
    return root;
  }

  /** Whitespace and comments between top-level items. */
  private misc(): void {
    for (;;) {
      while (/\s/.test(this.src[this.#pos] ?? '')) this.#pos++;
      if (this.src.startsWith('<!--', this.#pos)) this.comment();
      else if (this.src.startsWith('<!', this.#pos) || this.src.startsWith('<?', this.#pos)) {
        this.fail('DOCTYPE and processing instructions are not accepted');
      } else return;
    }
  }

  private comment(): void {
    const end = this.src.indexOf('-->', this.#pos + 4);
    if (end < 0) this.fail('unterminated comment');
    if (this.src.slice(this.#pos + 4, end).includes('--')) this.fail('"--" inside a comment');
    this.#pos = end + 3;
  }

  private name(): string {
    NAME.lastIndex = this.#pos;
    const match = NAME.exec(this.src);
    if (!match) this.fail('expected a name');
    this.#pos = NAME.lastIndex;
    return match[0];
  }

  private skipSpace(): boolean {
    const start = this.#pos;
    while (/\s/.test(this.src[this.#pos] ?? '')) this.#pos++;
    return this.#pos > start;
  }

  private element(): XmlElement {
    this.#pos++; // '<'
    const element: XmlElement = { name: this.name(), attributes: {}, children: [], text: '' };
    for (;;) {
      const spaced = this.skipSpace();
      if (this.src.startsWith('/>', this.#pos)) {
        this.#pos += 2;
        return element;
      }
      if (this.src[this.#pos] === '>') {
        this.#pos++;
        break;
      }
      if (!spaced) this.fail('expected whitespace before an attribute');
      const attribute = this.name();
      this.skipSpace();
      if (this.src[this.#pos] !== '=') this.fail('expected "=" after an attribute name');
      this.#pos++;
      this.skipSpace();
      const quote = this.src[this.#pos];
      if (quote !== '"' && quote !== "'") this.fail('attribute value must be quoted');
      const end = this.src.indexOf(quote, this.#pos + 1);
      if (end < 0) this.fail('unterminated attribute value');
      const raw = this.src.slice(this.#pos + 1, end);
      if (raw.includes('<')) this.fail('"<" in an attribute value');
      if (Object.hasOwn(element.attributes, attribute)) this.fail(`duplicate attribute ${attribute}`);
      element.attributes[attribute] = decodeEntities(raw, (m) => this.fail(m));
      this.#pos = end + 1;
    }
    this.content(element);
    return element;
  }

  private content(element: XmlElement): void {
    for (;;) {
      const lt = this.src.indexOf('<', this.#pos);
      if (lt < 0) this.fail(`unclosed element ${element.name}`);
      const raw = this.src.slice(this.#pos, lt);
      if (raw.includes(']]>')) this.fail('"]]>" in text');
      element.text += decodeEntities(raw, (m) => this.fail(m));
      this.#pos = lt;
      if (this.src.startsWith('</', lt)) {
        this.#pos += 2;
        const closing = this.name();
        this.skipSpace();
        if (closing !== element.name) this.fail(`</${closing}> closes <${element.name}>`);
        if (this.src[this.#pos] !== '>') this.fail('expected ">"');
        this.#pos++;
        return;
      }
      if (this.src.startsWith('<!--', lt)) this.comment();
      else if (this.src.startsWith('<![CDATA[', lt)) {
        const end = this.src.indexOf(']]>', lt + 9);
        if (end < 0) this.fail('unterminated CDATA section');
        element.text += this.src.slice(lt + 9, end);
        this.#pos = end + 3;
      } else if (this.src.startsWith('<!', lt) || this.src.startsWith('<?', lt)) {
        this.fail('markup declarations are not accepted');
      } else {
        element.children.push(this.element());
      }
    }
  }

  private fail(message: string): never {
    throw new XmlSyntaxError(`${message} at offset ${this.#pos}`);
  }
}

function decodeEntities(raw: string, fail: (message: string) => never): string {
  return raw.replace(/&([^;&\s]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(';')) fail('"&" not starting an entity reference');
    const named = PREDEFINED[ref];
    if (named !== undefined) return named;
    const numeric = /^#(?:x([0-9A-Fa-f]+)|([0-9]+))$/.exec(ref);
    if (!numeric) fail(`unknown entity &${ref};`);
    const code = numeric[1] !== undefined ? Number.parseInt(numeric[1], 16) : Number(numeric[2]);
    const char = code <= 0x10ffff ? String.fromCodePoint(code) : '\u0000';
    if (NOT_XML_CHAR.test(char)) fail(`character reference &${ref}; is not an XML character`);
    return char;
  });
}

/** Children of `element` with this name. */
export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}

/** The text of the single child `name`; undefined when absent. */
export function childText(element: XmlElement, name: string): string | undefined {
  return childrenNamed(element, name)[0]?.text;
}

/** Escapes text for element content or attribute values. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"'\r]/g, (c) => {
    switch (c) {
      case '&':
        return '&amp;';
      case '<':
        return '&lt;';
      case '>':
        return '&gt;';
      case '"':
        return '&quot;';
      case "'":
        return '&apos;';
      default:
        return '&#13;';
    }
  });
}

export type XmlFields = ReadonlyArray<readonly [string, string | number]>;

/** `<a>1</a><b>x</b>` from ordered name/value pairs. */
export function xmlFields(fields: XmlFields): string {
  return fields.map(([name, value]) => `<${name}>${escapeXml(String(value))}</${name}>`).join('');
}

/** A complete MNS response document: declaration plus `<root xmlns="…">inner</root>`. */
export function mnsDocument(root: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${MNS_XMLNS}">${inner}</${root}>`;
}
