"""Grammars and strings for the grammar test suite (shared by make_grammar_fixtures.py).

Our own grammars, in the shapes of llama.cpp's example grammars (JSON, arithmetic,
lists, chess moves, C identifiers) plus repetition bounds, classes, escapes and UTF-8.
Each case: (name, gbnf, strings). The verdicts come from llama.cpp (the fixture script).
"""

JSON = r'''
root   ::= object
value  ::= object | array | string | number | ("true" | "false" | "null") ws
object ::= "{" ws ( string ":" ws value ("," ws string ":" ws value)* )? "}" ws
array  ::= "[" ws ( value ("," ws value)* )? "]" ws
string ::= "\"" ( [^"\\\x7F\x00-\x1F] | "\\" (["\\bfnrt] | "u" [0-9a-fA-F]{4}) )* "\"" ws
number ::= ("-"? ([0-9] | [1-9] [0-9]{0,15})) ("." [0-9]+)? ([eE] [-+]? [0-9] [1-9]{0,15})? ws
ws ::= | " " | "\n" [ \t]{0,20}
'''

ARITHMETIC = r'''
root  ::= (expr "=" ws term "\n")+
expr  ::= term ([-+*/] term)*
term  ::= ident | num | "(" ws expr ")" ws
ident ::= [a-z] [a-z0-9_]* ws
num   ::= [0-9]+ ws
ws    ::= [ \t\n]*
'''

LIST = r'''
root ::= item+
# Excludes various line break characters
item ::= "- " [^\r\n\x0b\x0c\x85\u2028\u2029]+ "\n"
'''

CHESS = r'''
root ::= (
    "1. " move " " move "\n"
    ([1-9] [0-9]? ". " move " " move "\n")+
)
move ::= (pawn | nonpawn | castle) [+#]?
pawn ::= [a-h] ([1-8] | "x" [a-h] [1-8]) ("=" [NBKQR])?
nonpawn ::= [NBKQR] [a-h]? [1-8]? "x"? [a-h] [1-8]
castle ::= "O-O" "-O"?
'''

C_IDENT = r'''
root ::= ident ("," " "? ident)*
ident ::= [a-zA-Z_] [a-zA-Z0-9_]*
'''

CASES = [
    ("json", JSON, [
        '{}', '{"a": 1}', '{"a": [1, 2.5, -3e4], "b": {"c": null}}', '{"s": "x\\n\\u00e9y"}',
        '{"a": 01}', '{"a": 1,}', '{', '{"a"', '[1]', '{"a": tru}', '{"a": "\x01"}', '{"a":\n  true}',
        '{"é": "ü"}', '{"a": 1} ', '{"a": -0.5E+3}',
    ]),
    ("arithmetic", ARITHMETIC, [
        'a=b\n', '1+2=3\n', '(a + b) * c = d\n', 'x=\n', 'a=b\nc=d\n', 'a=b', '+1=2\n', 'A=b\n', 'a_1*(b2-c)=42\n',
    ]),
    ("list", LIST, ['- a\n', '- apples\n- pears\n', '-a\n', '- \n', '- x', '- ünïcödé\n', '- a\n-', '']),
    ("chess", CHESS, [
        '1. e4 e5\n2. Nf3 Nc6\n', '1. e4 e5\n', '1. e4 e5\n2. O-O O-O-O\n', '1. e4 e5\n2. exd5 Qxd5+\n',
        '1. e9 e5\n2. a3 a6\n', '1. e4 e5\n12. Bb5 a6#\n', '1. e4 e5\n2. e8=Q Kxe8\n', '1. e4\n',
    ]),
    ("c-identifiers", C_IDENT, ['x', '_a1, b2,c3', '1abc', 'a b', 'abc,', 'snake_case, CamelCase', 'é']),
    ("yes-no", 'root ::= "yes" | "no"', ['yes', 'no', 'y', 'yes ', 'No', 'noo', '']),
    ("repeat-exact", 'root ::= [a-c]{3}', ['abc', 'aaa', 'ab', 'abcd', 'abd']),
    ("repeat-min", 'root ::= "x"{2,} "!"', ['xx!', 'xxxxxx!', 'x!', '!', 'xx']),
    ("repeat-range", 'root ::= ("ab"){1,3} [0-9]{0,2}', ['ab', 'abab1', 'ababab12', 'abababab', 'ab123', '', 'a']),
    ("repeat-zero", 'root ::= "a"{0} "b"', ['b', 'ab', '']),
    ("optional-star-plus", 'root ::= "a"? "b"* "c"+', ['c', 'abbbc', 'acc', 'ab', 'bc', 'aac']),
    ("classes", 'root ::= [A-Z] [^0-9 ]+ [0-9a-fA-F] .', ['Abc1x', 'Z-_Fé', 'abc1x', 'A 1xy', 'AbF', 'AbbbbE\n']),
    ("escapes", r'root ::= "\x41\u00e9\U0001F600\t\"\\" [\x30-\x39\]]', ['Aé😀\t"\\5', 'Aé😀\t"\\]', 'Aé😀\t"\\a', 'A']),
    ("utf8", 'root ::= [ぁ-ゟ]+ "。" | "日本" [語人]', ['ひらがな。', 'ぁ。', '日本語', '日本人', '日本', 'カタカナ。', 'ひ']),
    ("any-char", 'root ::= "<" .{2} ">"', ['<ab>', '<é😀>', '<a>', '<abc>', '<\n\t>']),
    ("negated-utf8", 'root ::= [^a-zé]+', ['XYZ', 'ÉÀ', 'abc', 'Xé', '日本']),
    ("multiline-comments", '''
# a comment line
root ::= greeting ( # a comment inside a group
    ", " name )?
greeting ::= "hello" |
    "hi"  # after an alternative
name ::= [a-z]+
''', ['hello', 'hi, bob', 'hello, x', 'hey', 'hi,bob']),
    ("nested-groups", 'root ::= (("a" | "b") ("c" | ("d" "e")*))+', ['ac', 'bdede', 'bacbd', 'ad', '', 'bdedec']),
    ("empty-alternative", 'root ::= "x" ( | "y" | "zz")', ['x', 'xy', 'xzz', 'xz', 'y']),
    ("right-recursion", 'root ::= list\nlist ::= "a" list | "b"', ['b', 'ab', 'aaaab', 'a', 'ba']),
    ("mutual", 'root ::= a\na ::= "(" b ")" | "x"\nb ::= a a?', ['x', '(x)', '((x)x)', '(())', '(x', '((x)(x))']),
    ("number-bounds", 'root ::= [1-9] [0-9]{0,2} ("," [0-9]{3})*', ['1', '999', '1,000', '12,345,678', '1,00', '0', '1000']),
    ("dash-names", 'root ::= check-mate\ncheck-mate ::= "#" sub-rule2\nsub-rule2 ::= [0-9]', ['#1', '#', '1']),
    ("escapes-in-class", r'root ::= [\n\t\\\-\[]+', ['\n\t\\-[', 'a', '-', '\\\\']),
]

# Grammars llama.cpp refuses; each with the (line, column) our message must give.
ERRORS = [
    ("undefined", 'root ::= foo', (1, 10)),
    ("undefined-later-line", 'root ::= a\na ::= "x" bar', (2, 11)),
    ("left-recursion", 'root ::= expr\nexpr ::= expr "+" "1" | "1"', (2, 1)),
    ("indirect-left-recursion", 'root ::= a\na ::= b "x"\nb ::= a "y" | "z"', (2, 1)),
    ("nullable-left-recursion", 'root ::= a\na ::= "x"? a "y" | "z"', (2, 1)),
    ("unterminated-string", 'root ::= "abc', (1, 10)),
    ("unterminated-class", 'root ::= [a-z', (1, 10)),
    ("unclosed-group", 'root ::= ( "a" | "b"', (1, 21)),
    ("bad-escape", 'root ::= "\\q"', (1, 11)),
    ("missing-assign", 'root = "a"', (1, 6)),
    ("no-root", 'start ::= "a"', None),
    ("unmatched-paren", 'root ::= "a" )', (1, 14)),
    ("bad-repetition", 'root ::= "a"{3,1}', (1, 13)),
    ("second-line-bad-char", 'root ::= "a"\n  b ::= "c" @', (2, 13)),
]
