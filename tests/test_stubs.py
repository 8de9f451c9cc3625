"""Tests for autograder/authoring/stubs.py: turning solution regions into TODO stubs, on small crafted sources."""

from __future__ import annotations

import ast
import textwrap

import pytest

from autograder.authoring.stubs import BEGIN, END, StubError, has_solutions, strip_solutions


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def run_stub(source: str, filename: str = "mod.py") -> dict:
    """Execute a generated stub as a module and return its namespace."""
    namespace: dict = {"__name__": filename.removesuffix(".py")}
    exec(compile(source, filename, "exec"), namespace)
    return namespace


METHOD = src('''
    import math


    class Model:
        """A model."""

        def __init__(self, scale=2.0):
            self.scale = scale

        def forward(self, x):
            """Scale x."""
            checked = float(x)
            result_of_the_secret_step = None
            ### BEGIN SOLUTION
            # hint: multiply x by self.scale.
            # hint: return a float.
            result_of_the_secret_step = checked * self.scale + math.sin(0.0)
            # a private comment of the instructor
            ### END SOLUTION
            return result_of_the_secret_step

        def other(self):
            return "untouched"
''')


def test_region_in_method_becomes_todo_and_raise_naming_class_method():
    """Does a region inside a method become `# TODO: <hint>` lines plus a raise naming `Class.method` and the file?"""
    out = strip_solutions(METHOD, "model.py")
    lines = out.splitlines()
    todo = lines.index("        # TODO: multiply x by self.scale.")
    assert lines[todo + 1] == "        # TODO: return a float."
    assert lines[todo + 2] == ('        raise NotImplementedError("Model.forward is not implemented yet: '
                               'complete the TODO in model.py")')
    assert out.count("raise NotImplementedError") == 1


def test_hint_lines_become_todo_text_and_solution_lines_vanish():
    """Are the hints the only trace of the region: solution code, other comments and the markers all gone?"""
    out = strip_solutions(METHOD, "model.py")
    for gone in ["checked * self.scale", "private comment", "# hint:", BEGIN, END]:
        assert gone not in out, f"{gone!r} leaked into the stub"
    assert out.count("# TODO:") == 2


def test_code_around_the_region_is_kept_verbatim():
    """Are every line before the region and every line after it (the `return` included) kept unchanged?"""
    out = strip_solutions(METHOD, "model.py")
    source_lines = METHOD.splitlines(keepends=True)
    begin = next(i for i, line in enumerate(source_lines) if BEGIN in line)
    end = next(i for i, line in enumerate(source_lines) if END in line)
    before, after = "".join(source_lines[:begin]), "".join(source_lines[end + 1:])
    assert out.startswith(before)
    assert out.endswith(after)
    assert "        return result_of_the_secret_step\n" in after


def test_stub_parses_and_raises_not_implemented_error_when_called():
    """Does the stub parse, import, and raise NotImplementedError naming the method only when it is called?"""
    out = strip_solutions(METHOD, "model.py")
    ast.parse(out)
    namespace = run_stub(out, "model.py")
    model = namespace["Model"](scale=3.0)
    assert model.other() == "untouched"
    with pytest.raises(NotImplementedError, match=r"^Model\.forward is not implemented yet: .*model\.py"):
        model.forward(1.0)


def test_region_in_plain_function_names_the_function():
    """Does a region in a module-level function name just the function, with the default TODO when there is no hint?"""
    source = src('''
        def double(x):
            y = None
            ### BEGIN SOLUTION
            y = 2 * x
            ### END SOLUTION
            return y
    ''')
    out = strip_solutions(source, "helpers.py")
    assert out == src('''
        def double(x):
            y = None
            # TODO: your code here
            raise NotImplementedError("double is not implemented yet: complete the TODO in helpers.py")
            return y
    ''')
    with pytest.raises(NotImplementedError, match="^double is not implemented yet"):
        run_stub(out, "helpers.py")["double"](1)


def test_nested_function_and_nested_class_get_qualified_names():
    """Are regions in a nested class's method and in a function inside a method named by their dotted path?"""
    source = src('''
        class Outer:
            class Inner:
                def method(self):
                    ### BEGIN SOLUTION
                    return 1
                    ### END SOLUTION

            def make(self):
                def helper():
                    ### BEGIN SOLUTION
                    return 2
                    ### END SOLUTION
                return helper
    ''')
    out = strip_solutions(source, "nest.py")
    assert 'raise NotImplementedError("Outer.Inner.method is not implemented yet' in out
    assert 'raise NotImplementedError("Outer.make.helper is not implemented yet' in out
    namespace = run_stub(out, "nest.py")
    with pytest.raises(NotImplementedError, match=r"^Outer\.make\.helper "):
        namespace["Outer"]().make()()


def test_module_level_region_names_the_file():
    """Does a region outside any function name the file, since there is no function to name?"""
    source = src('''
        import math
        ### BEGIN SOLUTION
        # hint: define TAU as two pi.
        TAU = 2 * math.pi
        ### END SOLUTION
        print("after")
    ''')
    out = strip_solutions(source, "constants.py")
    assert out == src('''
        import math
        # TODO: define TAU as two pi.
        raise NotImplementedError("constants.py is not implemented yet: complete the TODO in constants.py")
        print("after")
    ''')
    with pytest.raises(NotImplementedError, match="^constants.py is not implemented yet"):
        run_stub(out, "constants.py")


def test_only_hints_at_the_top_of_a_region_become_todos():
    """Is a `# hint:` line after the first solution line treated as solution (dropped), not as a TODO?"""
    source = src('''
        def f():
            value = None
            ### BEGIN SOLUTION
            # hint: the first hint
            value = 1
            # hint: a late hint is part of the solution
            ### END SOLUTION
            return value
    ''')
    out = strip_solutions(source, "late.py")
    assert "    # TODO: the first hint\n" in out
    assert "late hint" not in out
    assert out.count("# TODO") == 1


def test_indentation_of_deeply_nested_region_is_preserved():
    """Do the TODO and the raise take the indentation of the BEGIN marker, however deep (here inside if/for)?"""
    source = src('''
        def g(items):
            total = 0
            for item in items:
                if item:
                    ### BEGIN SOLUTION
                    # hint: add the item.
                    total += item
                    ### END SOLUTION
            return total
    ''')
    out = strip_solutions(source, "deep.py")
    assert "\n            # TODO: add the item.\n" in out
    assert '\n            raise NotImplementedError("g is not' in out
    namespace = run_stub(out, "deep.py")
    assert namespace["g"]([0, 0]) == 0  # the loop never reaches the region
    with pytest.raises(NotImplementedError, match="^g is not"):
        namespace["g"]([0, 5])


def test_several_regions_each_get_their_own_stub():
    """Does each of several regions in one file get its own TODO and raise, naming its own function?"""
    source = src('''
        def a():
            ### BEGIN SOLUTION
            return 1
            ### END SOLUTION


        def b():
            ### BEGIN SOLUTION
            return 2
            ### END SOLUTION
    ''')
    out = strip_solutions(source, "two.py")
    assert out.count("raise NotImplementedError") == 2
    assert '"a is not implemented' in out and '"b is not implemented' in out
    assert "return 1" not in out and "return 2" not in out


def test_file_without_regions_is_returned_unchanged():
    """Is a file with no solution region returned byte for byte, and has_solutions False for it?"""
    source = 'import numpy as np\n\n\ndef f(x):\n    """Doc."""\n    return np.sum(x)  # no markers\n'
    assert strip_solutions(source, "plain.py") == source
    assert not has_solutions(source)
    assert has_solutions(METHOD)


@pytest.mark.parametrize("source, line, words", [
    pytest.param("def f():\n    ### BEGIN SOLUTION\n    x = 1\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n",
                 4, ["inside the region opened at line 2"], id="nested-begin"),
    pytest.param("def f():\n    x = 1\n    ### END SOLUTION\n", 3, ["without a"], id="end-without-begin"),
    pytest.param("def f():\n    pass\n    ### BEGIN SOLUTION\n    x = 1\n", 3, ["never closed"], id="unclosed-begin"),
    pytest.param("def f(:\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n", 1, ["does not parse"],
                 id="unparsable-solution"),
])
def test_malformed_sources_raise_stub_error_with_file_and_line(source, line, words):
    """Do nested BEGIN, END without BEGIN, unclosed BEGIN and a syntax error raise StubError naming file:line?"""
    with pytest.raises(StubError) as caught:
        strip_solutions(source, "broken.py")
    message = str(caught.value)
    assert message.startswith(f"broken.py:{line}: "), message
    for word in words:
        assert word in message
    assert isinstance(caught.value, ValueError)  # callers such as the CLI catch ValueError


def test_region_in_a_class_body_is_named_after_the_class():
    """Is a region directly in a class body (outside any method) named after its class?"""
    source = "class Model:\n    ### BEGIN SOLUTION\n    size = 3\n    ### END SOLUTION\n"
    assert 'raise NotImplementedError("Model is not implemented yet' in strip_solutions(source, "m.py")


def test_a_stub_that_would_return_a_name_only_its_solution_defines_is_refused():
    """Is a solution whose function returns a name bound only inside its region refused (the student's editor would
    flag the stub's `return`), naming the line, the function, the name and the fix; and is it accepted once the name
    is set before the region, or when a nested def, an import or an argument binds it?"""
    source = "def f(x):\n    ### BEGIN SOLUTION\n    out = x\n    ### END SOLUTION\n    return out, x\n"
    with pytest.raises(StubError, match=r"m.py:4: the stub of f returns out, .*set `out = None` just before"):
        strip_solutions(source, "m.py")
    fixed = source.replace("def f(x):\n", "def f(x):\n    out = None\n")
    assert "    out = None\n    # TODO" in strip_solutions(fixed, "m.py")
    nested = ("import math\n\ndef g(x):\n    import os\n    def inner():\n        ### BEGIN SOLUTION\n"
              "        return 1\n        ### END SOLUTION\n    return inner, os, math, x, len\n")
    assert "raise NotImplementedError" in strip_solutions(nested, "n.py")


def test_committed_solutions_give_stubs_without_unbound_returns():
    """Does every stub of every week return only names it defines (what `make assignments` enforces)?"""
    from autograder import paths
    from autograder.authoring.stubs import unbound_returns

    for path in sorted(paths.ASSIGNMENTS.glob("*/*.py")):
        assert unbound_returns(path.read_text(encoding="utf-8"), path.name) == [], path


def test_region_inside_an_expression_is_refused():
    """Is a region that cuts an expression in half refused, instead of producing a stub that does not parse?"""
    source = "values = [\n    ### BEGIN SOLUTION\n    1, 2,\n    ### END SOLUTION\n]\n"
    with pytest.raises(StubError, match="m.py:.*does not parse"):
        strip_solutions(source, "m.py")
