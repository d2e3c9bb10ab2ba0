import { describe, expect, it } from 'vitest';
import {
  escapeXml,
  mnsDocument,
  parseXml,
  XmlSyntaxError,
  xmlFields,
} from '../../../../local/mns-emulator/mns-xml.js';

const DECL = '<?xml version="1.0" encoding="UTF-8"?>';

describe('parseXml', () => {
  it('reads what @alicloud/mns sends', () => {
    const root = parseXml(
      `${DECL}<Messages xmlns="http://mns.aliyuncs.com/doc/v1/"><Message><MessageBody>a</MessageBody><Priority>8</Priority></Message><Message><MessageBody>b</MessageBody></Message></Messages>`,
    );
    expect(root.name).toBe('Messages');
    expect(root.attributes).toEqual({ xmlns: 'http://mns.aliyuncs.com/doc/v1/' });
    expect(root.children.map((m) => m.children.map((c) => [c.name, c.text]))).toEqual([
      [
        ['MessageBody', 'a'],
        ['Priority', '8'],
      ],
      [['MessageBody', 'b']],
    ]);
  });

  it('decodes entities, character references and CDATA, and normalises line ends', () => {
    const root = parseXml(`<a>&lt;&gt;&amp;&quot;&apos;&#65;&#x4e2d;<![CDATA[<raw & stuff>]]>x\r\ny</a>`);
    expect(root.text).toBe('<>&"\'A中<raw & stuff>x\ny');
  });

  it('accepts comments, self-closing elements and whitespace around the root', () => {
    const root = parseXml(`${DECL}\n<!-- c --><Queue xmlns='x'/>\n`);
    expect(root).toEqual({ name: 'Queue', attributes: { xmlns: 'x' }, children: [], text: '' });
  });

  it.each([
    ['unescaped <', '<a>1<2</a>'],
    ['bare &', '<a>this & that</a>'],
    ['unknown entity', '<a>&nbsp;</a>'],
    ['unterminated entity', '<a>&lt</a>'],
    ['mismatched tags', '<a><b></a></b>'],
    ['unclosed root', '<a><b></b>'],
    ['two roots', '<a/><b/>'],
    ['text after the root', '<a/>x'],
    ['empty document', ''],
    ['DOCTYPE (no entity expansion)', '<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>'],
    ['control character', '<a>\u0001</a>'],
    ['control character reference', '<a>&#1;</a>'],
    ['lone surrogate', '<a>\uD800</a>'],
    ['unquoted attribute', '<a b=1/>'],
    ['duplicate attribute', '<a b="1" b="2"/>'],
    ['"]]>" in text', '<a>]]></a>'],
  ])('refuses %s', (_, xml) => {
    expect(() => parseXml(xml)).toThrow(XmlSyntaxError);
  });
});

describe('XML output', () => {
  it('escapes every special character, so the SDK reads back exactly the stored text', () => {
    expect(escapeXml(`a<b>&"c"'d'\r`)).toBe('a&lt;b&gt;&amp;&quot;c&quot;&apos;d&apos;&#13;');
    const text = `<x> & "y" 'z' ]]>\r`;
    expect(parseXml(`<a>${escapeXml(text)}</a>`).text).toBe(text);
  });

  it('builds MNS documents with the namespace', () => {
    expect(mnsDocument('Message', xmlFields([['MessageId', 'm&1']]))).toBe(
      `${DECL}\n<Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageId>m&amp;1</MessageId></Message>`,
    );
  });
});
