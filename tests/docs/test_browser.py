"""The notebooks as students and lecturers see them: a real JupyterLab in a real browser
(issue 23, point 5).

``nst-course notebooks`` writes the notebooks into a fresh folder; ``jupyter lab`` serves it;
Debian's headless Chromium, driven by Selenium through chromedriver, opens

- the student notebook, runs the cells down to the first check cell through JupyterLab's own
  Run menu and the keyboard, and reads the check's verdict on the page (the untouched
  placeholder: one hint, no traceback);
- the demos notebook, runs its set-up and explorer cells, moves the style-depth slider with
  the keyboard, and reads the new run's caption on the page.

With ``NST_UPDATE_SCREENSHOTS=1`` the screenshots replace the docs' pictures
(docs/_static/student-check.png, docs/_static/lecturer-explorer.png); otherwise they go to the
test's temporary folder. Needs /usr/bin/chromium and /usr/bin/chromedriver (Debian's
``chromium``, ``chromium-driver``; .ci/run installs them) and the ``[test,teach]`` extras.
"""

import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"

selenium = pytest.importorskip("selenium", reason="selenium comes with the [test] extra")
pytest.importorskip("jupyterlab", reason="jupyterlab comes with the [test] extra")
pytest.importorskip("ipywidgets", reason="the explorer's sliders need the [teach] extra")
if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
    pytest.skip(
        "no %s / %s: apt-get install chromium chromium-driver" % (CHROMIUM, CHROMEDRIVER),
        allow_module_level=True,
    )

from selenium import webdriver  # noqa: E402
from selenium.common.exceptions import (  # noqa: E402
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

STUDENT = "Art_Generation_with_Neural_Style_Transfer.ipynb"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """(url, folder) of a JupyterLab serving the folder `nst-course notebooks` wrote."""
    from nst_course.notebook.cli import write_notebooks

    folder = tmp_path_factory.mktemp("class")
    write_notebooks(str(folder))
    home = tmp_path_factory.mktemp("home")
    # every cell in the page (JupyterLab 4 renders only the cells in view by default), no news
    settings = home / "lab-settings"
    for extension, plugin, value in (
        ("notebook-extension", "tracker", '{"windowingMode": "none"}'),
        ("apputils-extension", "notification", '{"fetchNews": "false", "checkForUpdates": false}'),
    ):
        (settings / ("@jupyterlab/" + extension)).mkdir(parents=True, exist_ok=True)
        (settings / ("@jupyterlab/" + extension) / (plugin + ".jupyterlab-settings")).write_text(
            value
        )
    env = dict(
        os.environ,
        HOME=str(home),
        JUPYTER_CONFIG_DIR=str(home / "config"),
        JUPYTER_DATA_DIR=str(home / "data"),
        JUPYTER_RUNTIME_DIR=str(home / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        PYTHONPATH=ROOT,
        NST_VGG_MODEL="random",  # no weights file here: the untrained network, said once
        NST_NOTEBOOK_WIDTH="64",
        NST_NOTEBOOK_HEIGHT="48",
        NST_NOTEBOOK_ITERATIONS="2",
        NST_DEMOS_WIDTH="64",
        NST_DEMOS_HEIGHT="48",
        NST_DEMOS_ITERATIONS="10",
        TF_CPP_MIN_LOG_LEVEL="3",
    )
    port = _free_port()
    log = open(folder.parent / "jupyter-lab.log", "w")
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyter", "lab", "--no-browser", "--port=%d" % port,
            "--ServerApp.token=", "--ServerApp.password=", "--ServerApp.ip=127.0.0.1",
            "--ServerApp.root_dir=%s" % folder, "--allow-root",
            "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        ],
        cwd=str(folder), env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = "http://127.0.0.1:%d" % port
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(url + "/api/status", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise RuntimeError(open(log.name).read()[-3000:]) from None
                time.sleep(0.5)
        yield url, folder
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--window-size=1400,1000"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def _screenshot(driver, name, tmp_path):
    target = (
        os.path.join(ROOT, "docs", "_static", name)
        if os.environ.get("NST_UPDATE_SCREENSHOTS") == "1"
        else str(tmp_path / name)
    )
    driver.save_screenshot(target)
    return target


def _open(driver, url, name):
    driver.get("%s/lab/tree/%s" % (url, name))
    wait = WebDriverWait(driver, 120)
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".jp-Notebook .jp-Cell")))
    # the kernel is up when the toolbar's kernel status says idle
    wait.until(
        lambda d: (
            d.execute_script(
                "const s = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) "
                ".jp-Toolbar-kernelStatus, .jp-Notebook-ExecutionIndicator');"
                "return s && /idle/i.test(s.getAttribute('data-status') || s.title || s.textContent);"
            )
            or "Idle"
            in d.find_element(By.CSS_SELECTOR, ".jp-StatusBar-Widget, #jp-main-statusbar").text
        )
    )
    return wait


def _cell(driver, text, timeout=60):
    """The notebook cell whose source contains ``text`` (waiting while the page renders)."""

    def find(d):
        for cell in d.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Cell"):
            if text in cell.find_element(By.CSS_SELECTOR, ".jp-InputArea").text:
                return cell
        return False

    return WebDriverWait(
        driver, timeout, ignored_exceptions=(StaleElementReferenceException,)
    ).until(find, "no cell with %r on the page" % text)


def _select(driver, cell):
    """Select ``cell`` as a click into its code does (JupyterLab's edit mode on that cell)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", cell)
    editor = cell.find_element(By.CSS_SELECTOR, ".jp-InputArea-editor")
    ActionChains(driver).move_to_element(editor).click().perform()


def _keys(driver, modifier, key):
    """Press ``modifier``+``key`` where the page has its focus, as a user's keyboard does."""
    ActionChains(driver).key_down(modifier).send_keys(key).key_up(modifier).perform()


def _menu(driver, menu, item):
    driver.find_element(
        By.XPATH, "//li[contains(@class,'lm-MenuBar-item')][.//div[text()='%s']]" % menu
    ).click()
    WebDriverWait(driver, 10).until(
        EC.element_to_be_clickable(
            (By.XPATH, "//li[contains(@class,'lm-Menu-item')][.//div[text()='%s']]" % item)
        )
    ).click()


def test_the_student_runs_the_first_check_and_reads_one_hint(lab, browser, tmp_path):
    url, _ = lab
    wait = _open(browser, url, STUDENT)
    check = _cell(browser, "compute_content_cost_test(compute_content_cost)")
    _select(browser, check)
    _menu(browser, "Run", "Run All Above Selected Cell")
    _select(browser, check)
    _keys(browser, Keys.SHIFT, Keys.ENTER)
    wait = WebDriverWait(browser, 240)
    wait.until(lambda d: check.find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output"))
    shown = check.find_element(By.CSS_SELECTOR, ".jp-OutputArea").text
    # the untouched placeholder: the check's one hint, not a traceback
    assert "not implemented" in shown, shown
    assert "Traceback" not in shown, shown
    setup_output = (
        _cell(browser, "notebook = setup()").find_element(By.CSS_SELECTOR, ".jp-OutputArea").text
    )
    assert "image size 64x48" in setup_output, setup_output
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", check)
    assert os.path.getsize(_screenshot(browser, "student-check.png", tmp_path)) > 10_000


def test_the_lecturer_moves_an_explorer_slider_and_sees_a_new_run(lab, browser, tmp_path):
    url, _ = lab
    wait = WebDriverWait(browser, 300)
    current = "//div[contains(@class,'widget-html')][contains(., 'current: alpha')]"
    # Two tries: once in a fresh-clone CI run a keystroke reached the page before the cell took
    # the focus, so the explorer never ran (not reproduced since); a second open of the page
    # runs both cells again. A real failure fails both tries.
    for attempt in (1, 2):
        _open(browser, url, "Demos.ipynb")
        for text in ("notebook = setup(", "explorer = explore("):
            cell = _cell(browser, text)
            _select(browser, cell)
            _keys(browser, Keys.CONTROL, Keys.ENTER)
        try:
            WebDriverWait(browser, 150).until(EC.presence_of_element_located((By.XPATH, current)))
            break
        except TimeoutException:
            if attempt == 2:
                raise
    assert "conv1_1 ... conv5_1" in browser.find_element(By.XPATH, current).text
    # the style-depth slider: focus its handle and press the left arrow (5 -> 4). The handle is
    # in the page before the slider is laid out (a loaded CI machine once clicked it at no size:
    # "element not interactable"), so wait until it is visible and clickable.
    handle = (
        By.XPATH,
        "//div[contains(@class,'widget-slider')][.//label[contains(., 'style depth')]]"
        "//*[contains(@class,'noUi-handle')]",
    )
    slider = wait.until(EC.visibility_of_element_located(handle))
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'});", slider)
    slider = wait.until(EC.element_to_be_clickable(handle))
    slider.click()
    slider.send_keys(Keys.ARROW_LEFT)
    wait.until(
        EC.presence_of_element_located(
            (
                By.XPATH,
                "//div[contains(@class,'widget-html')][contains(., 'current: alpha 10, beta 40, conv1_1 ... conv4_1')]",
            )
        )
    )
    previous = browser.find_element(
        By.XPATH, "//div[contains(@class,'widget-html')][contains(., 'previous: alpha')]"
    ).text
    assert "conv1_1 ... conv5_1" in previous, previous
    assert os.path.getsize(_screenshot(browser, "lecturer-explorer.png", tmp_path)) > 10_000
