#!/usr/bin/env python3
# liveavatar: trains the tokenizer test models and writes their goldens
# Copyright (C) 2026 liveavatar developers
#
# This library is free software; you can redistribute it and/or
# modify it under the terms of the GNU Library General Public
# License as published by the Free Software Foundation; either
# version 2.1 of the License, or (at your option) any later version.
#
# Not run in CI: its outputs are committed under tests/text/data/.
# Needs Debian's sentencepiece (spm_train), python3-sentencepiece and
# python3-regex; run it with Debian's /usr/bin/python3:
#
#   /usr/bin/python3 tests/text/make_goldens.py
#
# It writes:
#   nfkc.model      unigram, nmt_nfkc, T5's special ids (pad 0, </s> 1,
#                   <unk> 2, no <s>), user-defined and control symbols
#   bytes.model     the same with --byte_fallback=true
#   identity.model  identity normalisation, whitespace kept as written,
#                   whitespace as suffix, digits split, some pieces UNUSED
#   <model>.ids     per prompt: the UTF-8 bytes (hex), then the ids
#                   python3-sentencepiece's EncodeAsIds gives
#   wan.ids         per prompt, for nfkc.model: the bytes (hex), the prompt
#                   after Wan's clean='whitespace' (hex), then Wan's ids
#                   before padding (the tokens, at most 511, then </s>)
#
# Wan's cleaning starts with ftfy.fix_text, which Debian does not package.
# When ftfy is importable (say from a venv with PyPI's ftfy and
# --system-site-packages) it is used with fix_encoding=False, the part
# liveavatar reproduces, and checked against the transcription below;
# without it the transcription alone is used.

import html
import os
import random
import re
import subprocess
import sys
import tempfile
import unicodedata

import regex
import sentencepiece as spm

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, 'data')
SEED = 20260501
WAN_TEXT_LEN = 512

# ---------------------------------------------------------------- corpus

EN = ('a the woman man girl boy person speaker host presenter news anchor '
      'teacher doctor singer young old smiling talking looking at camera '
      'speaking clearly with warm light soft background studio office '
      'outdoors city street park indoors wearing blue red green white black '
      'shirt jacket dress glasses hat hair long short curly brown blond dark '
      'face eyes mouth moves naturally gently slowly calm happy serious '
      'friendly professional portrait close-up medium shot high quality '
      'detailed realistic cinematic lighting sharp focus natural expression '
      'and of in on to is are while his her their front behind next window '
      'desk bookshelf plants lamp evening morning sunny cloudy day night '
      'video frame live stream interview lecture tutorial presentation '
      'explains describes answers questions listens nods head turns left '
      'right slightly').split()
FR = ('une femme homme qui parle souriant devant la caméra lumière douce '
      'arrière-plan bureau élégant à côté de fenêtre très naturel expression '
      'cheveux longs bruns lunettes chemise bleue présentateur télévisé '
      'journal où ça être été français garçon théâtre noël').split()
DE = ('eine Frau ein Mann spricht lächelnd vor der Kamera weiches Licht '
      'Hintergrund Büro natürlich Ausdruck Haare lang braun Brille Hemd blau '
      'Nachrichtensprecher schön grüßen über für Straße Mädchen Größe').split()
ES = ('una mujer un hombre hablando sonriente frente a la cámara luz suave '
      'fondo oficina natural expresión cabello largo castaño gafas camisa '
      'azul presentador de noticias año niño señor canción').split()
RU = ('женщина мужчина говорит улыбается перед камерой мягкий свет фон '
      'офис естественное выражение длинные волосы очки рубашка синий '
      'ведущий новостей студия вечер утро город улица парк молодой '
      'старый спокойно медленно и в на с его её').split()
AR = ('امرأة رجل يتحدث مبتسم أمام الكاميرا ضوء ناعم خلفية مكتب طبيعي '
      'تعبير شعر طويل نظارات قميص أزرق مذيع أخبار استوديو مساء صباح '
      'مدينة شارع حديقة و في على من مع').split()
ZH = ('一个女人男人在镜头前说话微笑柔和的光线背景办公室自然表情长头发戴眼镜'
      '穿蓝色衬衫新闻主播演播室晚上早上城市街道公园年轻的老人慢慢地平静地'
      '高质量细节真实电影感照明清晰对焦讲解回答问题点头转向左边右边')
JA = ('女性が男性がカメラの前で話しているほほえみやわらかい光背景オフィス'
      '自然な表情長い髪めがねシャツニュースキャスタースタジオ夜朝町通り公園')
KO = ('여자 남자 카메라 앞에서 이야기하는 웃는 부드러운 빛 배경 사무실 자연스러운 '
      '표정 긴 머리 안경 셔츠 파란색 뉴스 앵커 스튜디오 저녁 아침 도시 거리 공원').split()
EMOJI = ['😀', '😂', '🙂', '👍', '🎤', '📺', '🌞', '❤️', '✨', '🔥', '🎬',
         '👩‍💻', '👨🏽‍🏫', '🇫🇷', '🇯🇵', '1️⃣', '🤖', '🌍']
PUNCT = [',', '.', '!', '?', ';', ':', ' -', ' (', ')', '"', "'", '...']

# Characters no model sees in training: they end up <unk> or byte pieces.
RARE = ['ᚠᚢᚦ', '𐀀𐀁', 'ꯀꯁ', '𓀀𓁐', 'ⴰⵣ', 'ཀཁ', 'ሀሁ', 'अआइ', '𝔄𝔅', '龘靐',
        '\U000e0041', '\U0010fffd', '\ue000']


def cjk_words(rng, chars):
    out = []
    for _ in range(rng.randint(3, 12)):
        i = rng.randrange(len(chars) - 4)
        out.append(chars[i:i + rng.randint(1, 4)])
    return ''.join(out)


def sentence(rng, lang):
    if lang in ('zh', 'ja'):
        s = cjk_words(rng, ZH if lang == 'zh' else JA)
        if rng.random() < 0.3:
            s += rng.choice(['。', '、', '！', '？', '，'])
        return s
    words = {'en': EN, 'fr': FR, 'de': DE, 'es': ES, 'ru': RU, 'ar': AR,
             'ko': KO}[lang]
    n = rng.randint(3, 16)
    s = ' '.join(rng.choice(words) for _ in range(n))
    if rng.random() < 0.5:
        s = s[0].upper() + s[1:]
    if rng.random() < 0.4:
        s += rng.choice(PUNCT)
    if rng.random() < 0.15:
        s += ' ' + str(rng.randint(0, 2026))
    if rng.random() < 0.1:
        s += ' ' + rng.choice(EMOJI)
    return s


LANGS = ['en', 'en', 'en', 'fr', 'de', 'es', 'ru', 'ar', 'zh', 'ja', 'ko']


def make_corpus(path, rng, n):
    with open(path, 'w', encoding='utf-8') as f:
        for _ in range(n):
            f.write(sentence(rng, rng.choice(LANGS)) + '\n')


# --------------------------------------------------------------- prompts

def fixed_prompts():
    p = [
        '', ' ', '   ', '\t', '\n', ' \t\n\r ', '\u3000', '\u00a0',
        'a', 'A', '.', '▁', '▁▁a▁', 'a ▁ b',
        'hello world', '  hello   world  ', '\thello\tworld\t',
        'hello\nworld', 'hello\r\nworld', 'line one\u2028line two\u2029end',
        'a\u00a0b\u2007c\u202fd', 'no\u200bbreak\u200dzero\u200cwidth',
        '\ufeffbom at start', 'a\x0bb\x0cc\x1cd\x1fe\x85f',
        'x\u1680y\u2000z\u200a!\u205f?\u3000.',
        'ＡＢＣ　ｘｙｚ　１２３！', 'ｶﾀｶﾅ ﾊﾝｶｸ', 'ﬁne ﬂow ﬀ ﬃ Ĳssel ǅ',
        'e\u0301 versus \u00e9', 'A\u030a \u212b \u00c5', '\u1100\u1161\u11a8',
        '①②③ ⅷ ㍻ ㎏ ™ ¼ ½', 'x² y₃', 'ℌ𝔢𝔩𝔩𝔬 𝐛𝐨𝐥𝐝',
        '“curly” ‘quotes’ „low“ ‹angle› «guillemets»',
        'ctrl\x01\x02\x7fchars', 'esc \x1b[31mred\x1b[0m text',
        'C1 \x80 \x91quoted\x92 \x96 dash \x9d',
        '<sep>', 'a<sep>b', '<sep><sep>', '[IMG] face [IMG]', '@@',
        '<ctrl>', '</s>', '<pad>', '<unk>', '<s>', 'foo</s>bar',
        '1234567890', '3.14159 2,718', '2026-05-01 12:30',
        '&amp; &lt;b&gt; &quot;hi&quot; &#39;x&#39;', '&nbsp;space&nbsp;',
        '&eacute;t&eacute; &EACUTE; &Eacute;', '&amp;amp; &amp;lt;',
        '&#x1F600; &#128512; &#0; &#x110000; &#150; &#xD800; &#65',
        '&notit; &notin; &copy2 &ampx; &unknownentity; & alone &&',
        'a < b &amp; c', 'x&#x41;y &#X42; &#9999999999999;',
        '😀', '😀😀😀', '👩‍💻 coding', '👨🏽‍🏫 teaching', '🇫🇷🇯🇵🇺🇸',
        '1️⃣ 2️⃣', '❤️ ❤', '🏳️‍🌈', '🫠🫶', 'smile 🙂!',
        'ᚠᚢᚦ runes', '𐀀𐀁 linear b', 'अआइ hindi', '龘靐 rare hanzi',
        'ሀሁ and ⴰⵣ', '\ue000 private use', '\U0010fffd plane 16',
        '\ufffd replacement', 'tag\U000e0041\U000e007f',
        'مرحبا بالعالم', 'السَّلَامُ عَلَيْكُمْ', 'كتـــاب', 'عربي ١٢٣ ٤٥٦',
        '\u200fمرحبا\u200e hello', 'Привет, мир!', 'ЁЖИК ёжик',
        'Съешь же ещё этих мягких французских булок',
        '你好，世界！', '一个女人在镜头前说话。', '東京タワー', 'ｶﾞｷﾞ',
        '안녕하세요 세계', '한국어 텍스트', 'Ελληνικά γράμματα',
        'עברית כאן', 'ไทย ภาษา', 'Tiếng Việt có dấu',
        'straße STRASSE ß ẞ', 'İstanbul ıi', 'ǅungla',
        # mojibake: ftfy's fix_encoding (not reproduced) would repair it
        'cafÃ© crÃ¨me', 'â€œquotedâ€\x9d',
    ]
    p.append('a' * 3000)
    p.append('ab ' * 2000)
    p.append('你' * 2000)
    p.append(' '.join(['word'] * 700))
    return p


def random_prompts(rng, n):
    out = []
    for i in range(n):
        kind = i % 6
        if kind == 0:
            s = sentence(rng, rng.choice(LANGS))
        elif kind == 1:
            s = ' '.join(sentence(rng, rng.choice(LANGS))
                         for _ in range(rng.randint(2, 4)))
        elif kind == 2:
            s = sentence(rng, rng.choice(LANGS))
            pos = rng.randrange(len(s) + 1)
            s = s[:pos] + rng.choice(RARE + EMOJI) + s[pos:]
        elif kind == 3:
            ws = [' ', '  ', '\t', '\n', '\u3000', '\u00a0', '\u2003',
                  ' \n ', '\u200b']
            words = sentence(rng, rng.choice(LANGS)).split(' ')
            s = rng.choice(ws + ['']) + ''.join(
                w + rng.choice(ws) for w in words)
        elif kind == 4:
            s = sentence(rng, rng.choice(LANGS))
            s = s.upper() if rng.random() < 0.5 else s.title()
            s = s.replace(' ', rng.choice([' ', '_', '-', '']))
        else:
            s = ''.join(rng.choice(EN + RU + KO + EMOJI + PUNCT + RARE)
                        for _ in range(rng.randint(1, 30)))
        out.append(s)
    return out


def long_prompt(rng):
    words = []
    while len(' '.join(words)) < 10000:
        words.append(sentence(rng, rng.choice(LANGS)))
    return ' '.join(words)[:10000]


INVALID_UTF8 = [
    b'\xff', b'abc\xff', b'\xc3', b'\xc3(', b'\xe2\x82', b'\xe2\x82(',
    b'\xf0\x9f\x98', b'\xf0\x9f\x98\x80\xf0', b'\xc0\xaf', b'\xe0\x80\xaf',
    b'\xed\xa0\x80 surrogate', b'\xf4\x90\x80\x80 too big',
    b'\xf8\x88\x80\x80\x80', b'hello \x80\x80 world', b'\xfe\xfe\xff\xff',
    b'ok \xe4\xbd\xa0\xe5\xa5 cut',
]

# ---------------------------------------------------------- Wan cleaning

SINGLE_QUOTE_RE = re.compile('[\u02bc\u2018-\u201b]')
DOUBLE_QUOTE_RE = re.compile('[\u201c-\u201f]')
HTML_ENTITY_RE = re.compile(r'&#?[0-9A-Za-z]{1,24};')
ANSI_RE = re.compile('\033\\[((?:\\d|;)*)([a-zA-Z])')
C1_RE = re.compile(r'[\x80-\x9f]')
LIGATURES = {
    0x132: 'IJ', 0x133: 'ij', 0x149: 'ʼn', 0x1f1: 'DZ', 0x1f2: 'Dz',
    0x1f3: 'dz', 0x1c4: 'DŽ', 0x1c5: 'Dž', 0x1c6: 'dž', 0x1c7: 'LJ',
    0x1c8: 'Lj', 0x1c9: 'lj', 0x1ca: 'NJ', 0x1cb: 'Nj', 0x1cc: 'nj',
    0xfb00: 'ff', 0xfb01: 'fi', 0xfb02: 'fl', 0xfb03: 'ffi', 0xfb04: 'ffl',
    0xfb05: 'ſt', 0xfb06: 'st',
}
WIDTH_MAP = {0x3000: ' '}
for _i in range(0xff01, 0xfff0):
    _alt = unicodedata.normalize('NFKC', chr(_i))
    if _alt != chr(_i):
        WIDTH_MAP[_i] = _alt
CONTROL_CHARS = dict.fromkeys(
    list(range(0x00, 0x09)) + [0x0b] + list(range(0x0e, 0x20)) + [0x7f] +
    list(range(0x206a, 0x2070)) + [0xfeff] + list(range(0xfff9, 0xfffd)))


def _ftfy_entities():
    entities = {}
    for name, char in html.entities.html5.items():
        if name.endswith(';'):
            entities['&' + name] = char
            if name == name.lower():
                upper = '&' + name.upper()
                if html.unescape(upper) == upper:
                    entities[upper] = char.upper()
    return entities


FTFY_ENTITIES = _ftfy_entities()


def _unescape_fixup(m):
    text = m.group(0)
    if text in FTFY_ENTITIES:
        return FTFY_ENTITIES[text]
    if text.startswith('&#'):
        u = html.unescape(text)
        return text if ';' in u else u
    return text


def _fix_segment(text, unescape):
    while True:
        orig = text
        if unescape:
            text = HTML_ENTITY_RE.sub(_unescape_fixup, text)
        text = C1_RE.sub(lambda m: html._invalid_charrefs[ord(m.group(0))],
                         text)
        text = text.translate(LIGATURES)
        text = text.translate(WIDTH_MAP)
        text = SINGLE_QUOTE_RE.sub("'", DOUBLE_QUOTE_RE.sub('"', text))
        text = (text.replace('\r\n', '\n').replace('\r', '\n')
                .replace('\u2028', '\n').replace('\u2029', '\n')
                .replace('\u0085', '\n'))
        text = ANSI_RE.sub('', text)
        text = text.translate(CONTROL_CHARS)
        text = unicodedata.normalize('NFC', text)
        if text == orig:
            return text


def ftfy_subset(text):
    """ftfy.fix_text(text, fix_encoding=False), transcribed"""
    out, pos, unescape = [], 0, True
    while pos < len(text):
        brk = text.find('\n', pos) + 1 or len(text)
        seg = text[pos:brk]
        if unescape and '<' in seg:
            unescape = False
        out.append(_fix_segment(seg, unescape))
        pos = brk
    return ''.join(out)


try:
    import ftfy
except ImportError:
    ftfy = None


def wan_clean(text):
    """wan/modules/tokenizers.py, clean='whitespace'"""
    if ftfy is not None:
        fixed = ftfy.fix_text(text, fix_encoding=False)
        assert fixed == ftfy_subset(text), ('transcription differs', text)
    else:
        fixed = ftfy_subset(text)
    text = html.unescape(html.unescape(fixed)).strip()
    return regex.sub(r'\s+', ' ', text).strip()


# ---------------------------------------------------------------- models

COMMON = ['--pad_id=0', '--eos_id=1', '--unk_id=2', '--bos_id=-1',
          '--num_threads=2', '--random_seed=%d' % SEED, '--minloglevel=2']
MODELS = {
    'nfkc': ['--vocab_size=3000', '--normalization_rule_name=nmt_nfkc',
             '--user_defined_symbols=<sep>,[IMG],@@',
             '--control_symbols=<ctrl>'],
    'bytes': ['--vocab_size=3000', '--normalization_rule_name=nmt_nfkc',
              '--byte_fallback=true', '--character_coverage=0.995'],
    'identity': ['--vocab_size=1500', '--normalization_rule_name=identity',
                 '--remove_extra_whitespaces=false',
                 '--treat_whitespace_as_suffix=true', '--split_digits=true',
                 '--user_defined_symbols=<sep>'],
}
UNUSED_IN_IDENTITY = 12          # pieces turned UNUSED after training


def train(name, corpus, workdir):
    prefix = os.path.join(workdir, name)
    subprocess.run(['spm_train', '--input=' + corpus,
                    '--model_prefix=' + prefix, '--model_type=unigram'] +
                   COMMON + MODELS[name], check=True)
    with open(prefix + '.model', 'rb') as f:
        return f.read()


def _varint(n):
    out = bytearray()
    while True:
        b = n & 0x7f
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _fields(buf):
    """(number, wire, raw bytes of the whole field, payload) per field"""
    i = 0
    while i < len(buf):
        start = i
        key = 0
        shift = 0
        while True:
            b = buf[i]
            i += 1
            key |= (b & 0x7f) << shift
            shift += 7
            if not b & 0x80:
                break
        wire = key & 7
        if wire == 0:
            while buf[i] & 0x80:
                i += 1
            i += 1
            payload = None
        elif wire == 1:
            i += 8
            payload = None
        elif wire == 5:
            i += 4
            payload = None
        elif wire == 2:
            n = 0
            shift = 0
            while True:
                b = buf[i]
                i += 1
                n |= (b & 0x7f) << shift
                shift += 7
                if not b & 0x80:
                    break
            payload = buf[i:i + n]
            i += n
        else:
            raise ValueError('wire type %d' % wire)
        yield key >> 3, wire, buf[start:i], payload


def mark_unused(model, ids):
    """Sets type UNUSED (5) on the pieces @ids, rewriting the protobuf."""
    out = bytearray()
    index = 0
    for number, wire, raw, payload in _fields(model):
        if number == 1 and wire == 2:
            if index in ids:
                body = b''.join(r for n, w, r, p in _fields(payload)
                                if n != 3) + b'\x18\x05'
                raw = b'\x0a' + _varint(len(body)) + body
            index += 1
        out += raw
    return bytes(out)


# --------------------------------------------------------------- goldens

def write_ids(path, model, prompts, header):
    sp = spm.SentencePieceProcessor(model_proto=model)
    with open(path, 'w', encoding='ascii') as f:
        f.write('# %s\n# input bytes (hex) <TAB> EncodeAsIds\n' % header)
        for p in prompts:
            data = p if isinstance(p, bytes) else p.encode('utf-8')
            ids = sp.EncodeAsIds(data if isinstance(p, bytes) else p)
            f.write('%s\t%s\n' % (data.hex(), ' '.join(map(str, ids))))


def write_wan(path, model, prompts):
    sp = spm.SentencePieceProcessor(model_proto=model)
    eos = sp.PieceToId('</s>')
    departures = 0
    with open(path, 'w', encoding='ascii') as f:
        f.write('# Wan clean=whitespace + nfkc.model, text_len %d; ftfy: %s\n'
                '# prompt (hex) <TAB> cleaned (hex) <TAB> ids before padding\n'
                % (WAN_TEXT_LEN, ftfy.__version__ + ' (fix_encoding=False)'
                   if ftfy else 'transcription'))
        for p in prompts:
            clean = wan_clean(p)
            if ftfy is not None and ftfy.fix_text(p) != ftfy.fix_text(
                    p, fix_encoding=False):
                departures += 1
            ids = sp.EncodeAsIds(clean)[:WAN_TEXT_LEN - 1] + [eos]
            f.write('%s\t%s\t%s\n' % (p.encode('utf-8').hex(),
                                      clean.encode('utf-8').hex(),
                                      ' '.join(map(str, ids))))
    return departures


def main():
    rng = random.Random(SEED)
    os.makedirs(DATA, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = os.path.join(tmp, 'corpus.txt')
        make_corpus(corpus, rng, 30000)
        models = {name: train(name, corpus, tmp) for name in MODELS}

    sp = spm.SentencePieceProcessor(model_proto=models['identity'])
    normal = [i for i in range(sp.GetPieceSize())
              if not (sp.IsControl(i) or sp.IsUnknown(i) or sp.IsUnused(i))
              and sp.IdToPiece(i) != '<sep>']
    models['identity'] = mark_unused(
        models['identity'], set(rng.sample(normal, UNUSED_IN_IDENTITY)))

    prompts = fixed_prompts() + random_prompts(rng, 300) + [long_prompt(rng)]
    for name, model in models.items():
        with open(os.path.join(DATA, name + '.model'), 'wb') as f:
            f.write(model)
        write_ids(os.path.join(DATA, name + '.ids'), model,
                  prompts + INVALID_UTF8,
                  '%s.model, sentencepiece %s' % (name, spm.__version__))
    departures = write_wan(os.path.join(DATA, 'wan.ids'), models['nfkc'],
                           prompts)
    print('%d prompts (+%d invalid UTF-8), %d models; ftfy %s'
          % (len(prompts), len(INVALID_UTF8), len(models),
             ftfy.__version__ if ftfy else 'absent'))
    if ftfy is not None:
        print('%d prompts where fix_encoding would change the text'
              % departures)


if __name__ == '__main__':
    sys.exit(main())
